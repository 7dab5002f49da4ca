"""The Chinese text analysis both search engines share (no database needed)."""

import pickle
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from search.analysis import (
    DICTIONARY,
    MAX_QUERY_LENGTH,
    QueryTooLong,
    analyze,
    analyze_query,
    highlight,
    highlight_all,
    normalize,
)


def matches(query: str, text: str) -> bool:
    """What both engines do: a text matches when it holds every required term of the query."""
    required = analyze_query(query).required
    return bool(required) and set(required) <= set(analyze(text))


def dictionary_words() -> list[str]:
    lines = DICTIONARY.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def without_em(html: str) -> str:
    return html.replace("<em>", "").replace("</em>", "")


# --- normalize -----------------------------------------------------------------


def test_normalize_folds_full_width_and_case():
    assert normalize("ＡＢ１２") == "ab12"
    assert normalize("ＷｉＦｉ，ＩＳＢＮ！") == "wifi,isbn!"


def test_normalize_simplifies_traditional_characters():
    assert normalize("圖書館") == "图书馆"
    assert normalize("閱讀推廣") == "阅读推广"


def test_normalize_keeps_the_county_name():
    assert normalize("乾县") == "乾县"
    assert normalize("乾縣圖書館") == "乾县图书馆"


def test_normalize_keeps_length_of_a_mixed_string():
    text = "２０２０年ＷｉＦｉ覆蓋圖書館 İﬁ㈠"
    normalized = normalize(text)
    assert len(normalized) == len(text)
    # Characters whose folded form is longer than one character stay as they are.
    assert normalized == "2020年wifi覆盖图书馆 İﬁ㈠"


@given(st.text())
def test_normalize_is_per_character_and_idempotent(text):
    normalized = normalize(text)
    assert len(normalized) == len(text)
    assert normalize(normalized) == normalized
    middle = len(text) // 2
    assert normalize(text[:middle]) + normalize(text[middle:]) == normalized


# --- analyze -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("全县总分馆建设工作", "总分馆"),
        ("举行户外阅读推广活动", "阅读推广"),
        ("阳洪镇上旦村", "阳洪镇"),
        ("阳洪镇上旦村", "上旦村"),
        ("工作和服务平台更换为图创系统", "图创系统"),
        ("我馆少儿阅览室", "少儿阅览室"),
        ("圖書館推出世界讀書日活動", "世界读书日"),
    ],
)
def test_library_words_are_terms(text, word):
    assert word in analyze(text)


# Sentences of the 2020 annual report and the words the dictionary must keep whole in them.
REPORT_SENTENCES = [
    ("分别对城关街道办新巨洲村，阳洪镇上旦村、席家村，大王镇上官村进行督促指导", ["新巨洲村", "席家村", "上官村"]),
    ("调研组一行先后深入到乾县阳洪镇上旦村、阳峪镇任家洼村、城关街办北仁村", ["阳峪镇", "任家洼村", "北仁村"]),
    ("新阳镇郭村、善化寺村、白塔村，临平镇马里村、枣新村、三桥村", ["新阳镇", "郭村", "善化寺村", "马里村"]),
    ("乾县图书馆与武警部队乾县中队续签陕西省公共图书馆联盟统借合作协议", ["乾县图书馆", "乾县中队"]),
    ("12月27日上午，我馆在多功能厅举行“小金豆”少儿故事会一场", ["多功能厅", "小金豆", "故事会"]),
    ("我馆与兴平市图书馆开通了馆际互借服务", ["兴平市图书馆", "馆际互借"]),
]


@pytest.mark.parametrize(("text", "words"), REPORT_SENTENCES)
def test_report_names_segment_as_words(text, words):
    terms = analyze(text)
    for word in words:
        assert word in terms


@pytest.mark.parametrize("word", dictionary_words())
def test_dictionary_words_are_kept_whole(word):
    assert word in analyze(word)


def test_dictionary_word_does_not_swallow_a_neighbour():
    # 创文 (the civilised-county campaign) must not turn 创文明城市 into 创文 / 明 / 城市.
    assert "文明城市" in analyze("创文明城市")


def test_analyze_emits_words_then_bigrams_then_characters_per_run():
    terms = analyze("图书馆")
    assert "图书馆" in terms
    assert terms[-5:] == ["图书", "书馆", "图", "书", "馆"]


def test_analyze_keeps_ascii_tokens_whole():
    assert analyze("ISBN 978-7，ＷｉＦｉ") == ["isbn", "978", "7", "wifi"]


def test_analyze_keeps_text_order_and_repeats():
    terms = analyze("2020 图书 2020")
    assert terms[0] == terms[-1] == "2020"
    assert terms.count("2020") == 2


def test_punctuation_and_whitespace_give_nothing():
    assert analyze("，。！？ \n“”《》——…") == []
    assert analyze("") == []


# --- analyze_query: recall ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("总分馆", "全县总分馆建设工作"),
        ("阅读推广", "4月23日，我馆举行了户外阅读推广活动"),
        ("少儿", "乾县图书馆举办少儿阅读活动"),
        ("马莉", "副馆长马莉带领刘凯妮、宋瞾静同志参加培训"),
        ("阳洪镇", "阳洪镇上旦村"),
        ("宋瞾静", "乾县图书馆宋瞾静同志去省图书馆参加培训"),
        ("圖書館", "乾县图书馆2020年工作总结"),
        ("图书馆", "乾縣圖書館"),
        ("世界 读书日", "世界读书日"),
        ("ＷｉＦｉ", "馆内 wifi 全覆盖"),
        ("乾县 2020", "2020年乾县图书馆工作年报"),
    ],
)
def test_query_matches_text_that_contains_it(query, text):
    assert matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("阅读推广", "推广阅读"),
        ("图书馆", "图书 馆"),
        ("总分馆", "总馆和分馆"),
        ("wifi", "wifi6"),
    ],
)
def test_query_does_not_match_scattered_characters(query, text):
    assert not matches(query, text)


def test_out_of_vocabulary_name_requires_its_bigrams():
    assert analyze_query("宋瞾静").required == ("宋瞾", "瞾静")


def test_single_character_query_requires_the_character():
    assert analyze_query("馆").required == ("馆",)


def test_query_parts():
    query = analyze_query("世界 读书日 ＷｉＦｉ")
    assert query.required == ("世界", "读书", "书日", "wifi")
    assert "读书" in query.words
    assert query.phrases == ("世界", "读书日", "wifi")


def test_query_splits_at_script_boundaries_and_separators():
    assert analyze_query("wifi密码").phrases == ("wifi", "密码")
    assert analyze_query('"图书馆"+阅读/推广').phrases == ("图书馆", "阅读", "推广")


def test_query_terms_are_deduplicated():
    query = analyze_query("图书 图书 图书馆")
    assert query.required == ("图书", "书馆")
    assert query.phrases == ("图书", "图书馆")
    assert len(query.words) == len(set(query.words))


@pytest.mark.parametrize(
    "query",
    ["", "   ", "，。！？", "AND OR NOT", '+ - " * : ~ ^ ( ) [ ] { } / \\ |', '"AND" (OR) NOT*', "İﬁ"],
)
def test_query_without_words_is_empty(query):
    analyzed = analyze_query(query)
    assert analyzed.empty
    assert analyzed.required == analyzed.words == analyzed.phrases == ()


def test_operators_are_ignored_but_their_operands_kept():
    query = analyze_query("图书馆 AND 阅读 NOT 少儿")
    assert query.phrases == ("图书馆", "阅读", "少儿")
    assert "and" not in query.required


@pytest.mark.parametrize("query", ["and", "And", "ANDROID", "ＡＮＤ"])
def test_only_upper_case_whole_operators_are_ignored(query):
    assert not analyze_query(query).empty


def test_query_length_limit():
    analyze_query("图" * MAX_QUERY_LENGTH)
    analyze_query("  " + "图" * MAX_QUERY_LENGTH + "\n")
    with pytest.raises(QueryTooLong, match=str(MAX_QUERY_LENGTH)):
        analyze_query("图" * (MAX_QUERY_LENGTH + 1))


def test_query_too_long_is_a_value_error_that_survives_pickling():
    error = pickle.loads(pickle.dumps(QueryTooLong()))
    assert isinstance(error, ValueError)
    assert str(MAX_QUERY_LENGTH) in str(error)


FRAGMENTS = [
    "图书馆",
    "圖書館",
    "总分馆",
    "阅读推广",
    "閱讀推廣",
    "阳洪镇",
    "上旦村",
    "宋瞾静",
    "少儿",
    "世界读书日",
    "乾县",
    "馆",
    "的",
    "WiFi",
    "ＷｉＦｉ",
    "ISBN",
    "2020",
    "AND",
    "NOT",
    "and",
    " ",
    "，",
    "、",
    "《",
    "》",
    "-",
    "\n",
    "“",
    "”",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=25).map("".join)


def is_ascii_word(char: str) -> bool:
    return bool(re.fullmatch("[0-9a-z]", char))


@settings(deadline=None, max_examples=300)
@given(data=st.data())
def test_recall_guarantee(data):
    """Any stretch of a text, used as a query, finds that text.

    ASCII tokens match whole (as in any search engine), so the stretch is widened
    to never cut one.
    """
    text = data.draw(texts)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    normalized = normalize(text)
    while 0 < start < len(text) and is_ascii_word(normalized[start - 1]) and is_ascii_word(normalized[start]):
        start -= 1
    while 0 < end < len(text) and is_ascii_word(normalized[end - 1]) and is_ascii_word(normalized[end]):
        end += 1
    query = text[start:end]
    assume(len(query.strip()) <= MAX_QUERY_LENGTH)
    assert set(analyze_query(query).required) <= set(analyze(text))


# --- highlight -----------------------------------------------------------------


def test_highlight_wraps_the_match():
    assert highlight("4月23日举行户外阅读推广活动", ["阅读推广"]) == "4月23日举行户外<em>阅读推广</em>活动"


def test_highlight_escapes_the_text():
    html = highlight('<script>alert("x")</script>乾县图书馆 & 文化馆', ["图书馆"])
    assert "<script>" not in html
    assert html.startswith("&lt;script&gt;")
    assert "<em>图书馆</em> &amp; 文化馆" in html
    assert "<" not in without_em(html)


def test_highlight_matches_traditional_text_for_a_simplified_phrase():
    assert highlight("乾縣圖書館年報", ["图书馆"]) == "乾縣<em>圖書館</em>年報"


def test_highlight_matches_full_width_text():
    assert highlight_all("ＷｉＦｉ全覆盖", ["wifi"]) == "<em>ＷｉＦｉ</em>全覆盖"


def test_highlight_prefers_the_longer_phrase():
    assert highlight("乾县图书馆", ["图书", "图书馆"]) == "乾县<em>图书馆</em>"
    assert highlight("图书馆长", ["图书", "书馆长"]) == "图<em>书馆长</em>"


def test_highlight_marks_every_occurrence():
    html = highlight("图书馆和图书馆", ["图书馆"])
    assert html == "<em>图书馆</em>和<em>图书馆</em>"


def test_highlight_joins_adjacent_phrases():
    assert highlight_all("世界读书日活动", analyze_query("世界 读书日").phrases) == "<em>世界读书日</em>活动"


def test_highlight_respects_ascii_tokens():
    assert highlight("wifi6 和 wifi", ["wifi"]) == "wifi6 和 <em>wifi</em>"


def test_highlight_excerpts_around_the_first_match():
    text = "前" * 300 + "阅读推广" + "后" * 300
    html = highlight(text, ["阅读推广"], length=120)
    assert html.startswith("…前")
    assert html.endswith("后…")
    assert "<em>阅读推广</em>" in html
    visible = without_em(html).strip("…")
    assert len(visible) == 120
    assert visible.index("阅读推广") < 40


def test_highlight_starts_at_the_text_start_when_the_match_shows_there():
    text = "乾县图书馆" + "后" * 300
    assert highlight(text, ["图书馆"]).startswith("乾县<em>图书馆</em>")


def test_highlight_near_the_end_shows_a_full_excerpt():
    text = "前" * 300 + "阅读推广"
    html = highlight(text, ["阅读推广"], length=120)
    assert html.startswith("…")
    assert html.endswith("<em>阅读推广</em>")
    assert len(without_em(html)) == 121


def test_highlight_without_match_gives_the_start():
    assert highlight("图" * 200, ["书"]) == "图" * 120 + "…"
    assert highlight("a < b", ["书"]) == "a &lt; b"
    assert highlight("图书馆", []) == "图书馆"


def test_highlight_all_gives_the_whole_text():
    title = "A&B：" + "图书馆" * 60
    html = highlight_all(title, ["图书馆"])
    assert html.startswith("A&amp;B：<em>")
    assert without_em(html) == "A&amp;B：" + "图书馆" * 60


@given(st.text(alphabet="<>&\"'图书馆ab ", max_size=200), st.lists(st.text(alphabet="<>&图书馆ab", max_size=4)))
def test_highlight_output_is_safe(text, phrases):
    for html in (highlight(text, phrases), highlight_all(text, phrases)):
        assert not re.search("[<>\"']", without_em(html))


@pytest.mark.parametrize(
    "query, text",
    [
        ("图书馆讲座", "县图书馆在报告厅举办公益讲座"),
        ("马莉培训", "副馆长马莉去省馆参加培训"),
        ("世界读书日活动", "世界读书日当天开展了户外活动"),
    ],
)
def test_words_run_together_match_where_they_stand_apart(query, text):
    assert set(analyze_query(query).required) <= set(analyze(text))


def test_a_lone_character_stays_with_its_word():
    # 读书日 cuts into 读书 | 日: 日 alone would match any date in any text.
    assert "日" not in analyze_query("世界 读书日").required
    assert not set(analyze_query("世界读书日").required) <= set(analyze("世界各地的读书人每日阅读"))
