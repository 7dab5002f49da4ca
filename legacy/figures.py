"""Key figures (label, value, unit) from a report's sentences.

全年共举办各类读者活动67次,其中参与联盟活动4次,自主活动63次,发布微信56次,共有12369人次参与各类活动
gives 读者活动 67 次, 参与联盟活动 4 次, 自主活动 63 次, 发布微信 56 次, 参与各类活动 12369 人次.

Two sentence shapes carry the library's counts: "<label><number><unit>" (读者活动67次)
and "<number><unit><label>" (12369人次参与各类活动, 6个镇分馆). Dates, ages and
ordinals (2020年, 3天, 99周年, 第八届) are not figures.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

UNITS = ["人次", "课时", "次", "期", "个", "场", "册", "件", "篇", "条", "名", "人", "家", "所"]
UNIT_PATTERN = "|".join(UNITS)
CLAUSE_SPLIT = re.compile(r"[，,;；。！!？?：:（）()]")
# <label><number><unit>, where the unit is not the start of a longer word (次日, 个人).
LABEL_FIRST = re.compile(rf"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>{UNIT_PATTERN})(?![日月年])")
# Words that introduce a count but are not part of what is counted.
FILLERS = ["其中", "全年", "共计", "共有", "累计", "共", "举办", "开展", "进行", "各类", "各种", "积极", "今年"]
LABEL_MAX = 16


@dataclass(frozen=True)
class Figure:
    label: str
    value: Decimal
    unit: str
    sentence: str


def _clean_label(text: str) -> str:
    text = text.strip(" 、")
    # What comes after the last verb-like marker is what is counted:
    # "我馆同志积极进行了线上、线下业务培训", "向宣传部累计报送舆情信息".
    text = re.split(r"了|累计|共计|共有|其中", text)[-1]
    changed = True
    while changed:
        changed = False
        for filler in FILLERS:
            if text.startswith(filler):
                text = text[len(filler) :]
                changed = True
    for filler in ("各类", "各种"):
        text = text.replace(filler, "")
    text = re.sub(r"^(我馆|本馆|馆内|全馆)(同志)?", "", text)
    return text.strip(" 、")[-LABEL_MAX:]


def extract_figures(text: str) -> list[Figure]:
    """The key figures stated in `text`, in the order they appear, without duplicates."""
    figures: list[Figure] = []
    seen = set()
    for sentence in re.split(r"(?<=[。！!？?；;])", text):
        last_label = ""
        for clause in CLAUSE_SPLIT.split(sentence):
            position = 0
            for match in LABEL_FIRST.finditer(clause):
                before = clause[position : match.start()]
                after = clause[match.end() :]
                unit = match.group("unit")
                if re.search(r"(第|约|近|超过)$", before) or re.match(r"(周年|天|年|届|岁|月|日)", after):
                    position = match.end()
                    continue
                label = _clean_label(before)
                if not label:
                    # "12369人次参与各类活动", "6个镇分馆": the label follows the number.
                    following = re.split(rf"\d|{UNIT_PATTERN}(?=\d)", after, maxsplit=1)[0]
                    label = _clean_label(following) or last_label
                if not label:
                    position = match.end()
                    continue
                figure = Figure(label=label, value=Decimal(match.group("number")), unit=unit, sentence=sentence.strip())
                key = (figure.label, figure.value, figure.unit)
                if key not in seen:
                    seen.add(key)
                    figures.append(figure)
                last_label = label
                position = match.end()
    return figures
