"""Find the structure of an old-site page's body: sections, numbered items, the chronicle.

Pure functions over the body lines of a `LegacyPage`. The rules follow how the
library's reports are written (see the seed):

- a section is a short line ``一、标题`` (Chinese numeral, 、);
- a numbered item is a line ``1.…`` whose number is the next one expected in its
  section, so numbers inside an item (``3. 4、5月份…``, ``12.12月…``) are not new items;
- inside a paragraph, ``一是…。二是…。`` are enumerated points;
- an item opens with a lead phrase when its first sentence is short and has no comma
  (``网络服务。疫情期间…``);
- the chronicle (大事记) starts at a line naming it, and its entries are ``1、…``; an
  entry whose number ran into its text (``122020年…``) is repaired.
"""

import re
from dataclasses import dataclass, field

CHINESE_NUMERALS = "一二三四五六七八九十"
SECTION_RE = re.compile(rf"^([{CHINESE_NUMERALS}]+)\s*[、.．]\s*(.+)$")
ITEM_RE = re.compile(r"^(\d{1,2})\s*[.．、]\s*(.*)$")
POINT_RE = re.compile(rf"([{CHINESE_NUMERALS}]+是)")
CHRONICLE_HEADING_RE = re.compile(r"大事记")
CHRONICLE_ENTRY_RE = re.compile(r"^(\d{1,3})\s*[、.．:：)）]\s*(.*)$")
REPORT_TITLE_RE = re.compile(r"(工作年报|年度工作总结|工作总结|年度报告|年报)")
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
SECTION_HEADING_MAX = 60
LEAD_MAX = 16


@dataclass
class Item:
    number: str
    lead: str
    text: str


@dataclass
class Section:
    number: str
    heading: str
    # ("paragraph", str) or ("item", Item), in order
    content: list[tuple[str, object]] = field(default_factory=list)


@dataclass
class ChronicleLine:
    number: int
    text: str
    repaired: bool = False


@dataclass
class Structure:
    heading: str = ""  # a heading line repeated above the body (e.g. 乾县图书馆2020年工作总结)
    intro: list[str] = field(default_factory=list)  # paragraphs before the first section
    sections: list[Section] = field(default_factory=list)
    chronicle_heading: str = ""
    chronicle: list[ChronicleLine] = field(default_factory=list)


def report_year(title: str, heading: str = "") -> int | None:
    """The year a report is about (from its title or heading), if it is a report at all."""
    for text in (title, heading):
        if text and REPORT_TITLE_RE.search(text):
            match = YEAR_RE.search(text)
            if match:
                return int(match.group(1))
    return None


def split_lead(text: str) -> tuple[str, str]:
    """("网络服务", "疫情期间…") for "网络服务。疫情期间…"; ("", text) when there is no lead phrase."""
    head, sep, rest = text.partition("。")
    if sep and 0 < len(head) <= LEAD_MAX and not re.search(r"[，,;；:：、]", head) and rest.strip():
        return head.strip(), rest.strip()
    return "", text.strip()


def split_points(paragraph: str) -> list[Item] | None:
    """The 一是/二是 points of a paragraph that opens with 一是, else None."""
    if not paragraph.startswith("一是"):
        return None
    parts = POINT_RE.split(paragraph)[1:]  # ["一是", text, "二是", text, …]
    points = []
    for number, text in zip(parts[::2], parts[1::2], strict=False):
        lead, rest = split_lead(text)
        points.append(Item(number=number, lead=lead, text=rest))
    return points


def parse_structure(lines: list[str], title: str = "") -> Structure:
    """Sections with items, and the chronicle, from a page's body lines."""
    structure = Structure()
    lines = list(lines)
    # A heading that restates the title (乾县图书馆2020年工作总结) opens many reports.
    first = lines[0] if lines else ""
    if (
        first
        and len(first) <= SECTION_HEADING_MAX
        and not SECTION_RE.match(first)
        and not first.endswith(("。", ":", "："))
        and (REPORT_TITLE_RE.search(first) or first == title)
    ):
        structure.heading = lines.pop(0)

    section = None
    expected_item = 1
    in_chronicle = False
    expected_entry = 1
    for line in lines:
        if not in_chronicle and CHRONICLE_HEADING_RE.search(line) and len(line) <= SECTION_HEADING_MAX:
            in_chronicle = True
            structure.chronicle_heading = line
            continue
        if in_chronicle:
            entry = _chronicle_line(line, expected_entry)
            if entry is None:
                if structure.chronicle:  # a continuation of the previous entry
                    structure.chronicle[-1].text += line
                continue
            structure.chronicle.append(entry)
            expected_entry = entry.number + 1
            continue

        section_match = SECTION_RE.match(line)
        if section_match and len(line) <= SECTION_HEADING_MAX:
            section = Section(number=section_match.group(1), heading=section_match.group(2).strip())
            structure.sections.append(section)
            expected_item = 1
            continue

        item_match = ITEM_RE.match(line)
        if section is not None and item_match and int(item_match.group(1)) == expected_item:
            lead, text = split_lead(item_match.group(2))
            section.content.append(("item", Item(number=item_match.group(1), lead=lead, text=text)))
            expected_item += 1
            continue

        if section is None:
            structure.intro.append(line)
            continue
        points = split_points(line)
        if points:
            section.content.extend(("item", point) for point in points)
        else:
            section.content.append(("paragraph", line))
    return structure


def _chronicle_line(line: str, expected: int) -> ChronicleLine | None:
    match = CHRONICLE_ENTRY_RE.match(line)
    if match and int(match.group(1)) == expected:
        return ChronicleLine(number=expected, text=match.group(2).strip())
    # Damaged by the old site: the number ran into the text ("122020年…").
    prefix = str(expected)
    if line.startswith(prefix) and re.match(r"\d{4}年|[年月上下]", line[len(prefix) :]):
        return ChronicleLine(number=expected, text=line[len(prefix) :].strip(), repaired=True)
    if match:  # numbered, but out of order: keep the text, number it in sequence
        return ChronicleLine(number=expected, text=match.group(2).strip(), repaired=True)
    return None
