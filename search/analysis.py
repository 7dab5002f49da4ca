"""Chinese text analysis shared by every search engine.

Documents and queries go through the same steps, so both engines agree on what
matches: `normalize` (full-width → half-width, traditional → simplified, lower
case, one character at a time), then terms per run of characters. A run of
Chinese characters gives jieba's search-mode words (for ranking) plus every
character bigram and every single character (for recall: a query must contain
all its bigrams, which any text holding the query does, whatever jieba makes of
either). A run of ASCII letters and digits is one term.

Segmentation uses rjieba, the binding of jieba-rs (a maintained Rust port of
jieba with the same dictionary and algorithms), rather than jieba 0.42.1, whose
last release dates from 2020 and which warns on current Pythons (pkg_resources).
Our library dictionary (search/dictionary.txt) is loaded on first use.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import opencc
from django.utils.html import escape

MAX_QUERY_LENGTH = 100

DICTIONARY = Path(__file__).with_name("dictionary.txt")

# Han characters: extension A, the basic block, compatibility ideographs, planes 2–3
# (extensions B onwards), and 〇 as written in dates (二〇二〇年).
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_SEGMENT = re.compile(f"([{_HAN}]+)|([0-9a-z]+)")
_WORD_CHAR = re.compile("[0-9a-z]")
# Upper-case operators of common query syntaxes, recognised only as whole tokens as typed.
_OPERATORS = frozenset({"AND", "OR", "NOT"})

# 乾 (qián) is a standard simplified character and the county's name (乾县);
# OpenCC, without the context of a phrase, would turn it into 干.
_T2S_KEEP = frozenset("乾")

_t2s = opencc.OpenCC("t2s")
_jieba = None
_jieba_lock = threading.Lock()


class QueryTooLong(ValueError):
    # The message is an argument, with the limit in its default, so the exception pickles.
    def __init__(self, message: str = f"The query is longer than {MAX_QUERY_LENGTH} characters.") -> None:
        super().__init__(message)


@functools.cache
def _normalize_char(char: str) -> str:
    # Each step keeps its result only when it is one character, so normalize keeps offsets.
    compatible = unicodedata.normalize("NFKC", char)
    if len(compatible) == 1:
        char = compatible
    if char not in _T2S_KEEP:
        simplified = _t2s.convert(char)
        if len(simplified) == 1:
            char = simplified
    lower = char.lower()
    return lower if len(lower) == 1 else char


def normalize(text: str) -> str:
    """`text` with each character normalized: NFKC, traditional → simplified, lower case.

    Same length as `text`: an offset in the result is an offset in `text` (highlight
    relies on it), and a substring's normalization is the normalization's substring
    (the recall guarantee relies on it). A character whose NFKC form is several
    characters (ﬁ, ㈠) stays as it is.
    """
    return "".join(map(_normalize_char, text))


def _load_dictionary(jieba) -> None:
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, *rest = line.split()
        freq = int(rest[0]) if rest else None
        tag = rest[1] if len(rest) > 1 else None
        # jieba only ever sees normalized text.
        jieba.add_word(normalize(word), freq, tag)


def _segmenter():
    """The process's jieba instance with the library dictionary, created on first use."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                # rjieba builds its default instance at import (about 0.1 s): import it only when needed.
                import rjieba

                jieba = rjieba.Jieba()
                _load_dictionary(jieba)
                _jieba = jieba
    return _jieba


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def analyze(text: str) -> list[str]:
    """Index terms of `text` in text order, repeats kept.

    Per run of Chinese characters: jieba's search-mode words, then every bigram,
    then every character. Per run of ASCII letters and digits: the run. Anything
    else separates runs and gives nothing.
    """
    terms: list[str] = []
    for match in _SEGMENT.finditer(normalize(text)):
        han, word = match.groups()
        if han:
            terms.extend(_segmenter().cut_for_search(han, True))
            terms.extend(_bigrams(han))
            terms.extend(han)
        else:
            terms.append(word)
    return terms


@dataclass(frozen=True)
class AnalyzedQuery:
    # Terms every match must contain: the bigrams of each Chinese segment (the
    # character of a one-character segment) and each ASCII token; deduplicated.
    required: tuple[str, ...]
    # jieba's search-mode words of the Chinese segments, for ranking only.
    words: tuple[str, ...]
    # The normalized segments as typed, for highlighting and phrase boosts.
    phrases: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Nothing to search for: the query held only punctuation, whitespace or operators."""
        return not self.required


def _query_words(han: str) -> list[str]:
    """The words of a Chinese run of a query, each one-character piece joined to the word before it.

    A lone character (the 日 of 读书日, the characters of a name jieba does not
    know) would otherwise match anywhere in a text.
    """
    pieces: list[str] = []
    for piece in _segmenter().cut(han, True):
        if pieces and (len(piece) == 1 or len(pieces[-1]) == 1):
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


def analyze_query(q: str) -> AnalyzedQuery:
    """The terms of a reader's query.

    Raises QueryTooLong when the stripped query is longer than MAX_QUERY_LENGTH.
    Upper-case AND, OR and NOT tokens are ignored; every character other than a
    Chinese character, an ASCII letter or a digit separates segments.

    A run of Chinese characters is cut into words (jieba's precise mode; runs of
    one-character pieces, such as a name jieba does not know, stay together), and
    each word must be in a match through its bigrams: 图书馆讲座 finds a text with
    图书馆 and 讲座 apart, not only side by side. Ranking then prefers the whole run.

    Recall guarantee: a text whose normalization contains a Chinese segment of the
    query, or an ASCII segment as a whole token, yields its required terms through
    analyze().
    """
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryTooLong()
    required: dict[str, None] = {}
    words: dict[str, None] = {}
    phrases: dict[str, None] = {}
    for match in _SEGMENT.finditer(normalize(q)):
        han, word = match.groups()
        if han:
            for piece in _query_words(han):
                required.update(dict.fromkeys(_bigrams(piece) or [piece]))
                if len(piece) > 1 and piece != han:
                    phrases[piece] = None
            words.update(dict.fromkeys(_segmenter().cut_for_search(han, True)))
        elif q[match.start() : match.end()] in _OPERATORS:
            # Offsets in the normalized query are offsets in q: this is the token as typed.
            continue
        else:
            required[word] = None
        phrases[match.group()] = None
    return AnalyzedQuery(required=tuple(required), words=tuple(words), phrases=tuple(phrases))


def _spans(normalized: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of the phrases' occurrences, longer phrases first, sorted.

    An occurrence of a phrase that starts or ends with an ASCII letter or digit counts
    only where it does not cut an ASCII token, as search only matches whole tokens.
    """
    size = len(normalized)
    found = []
    for phrase in {normalize(p).strip() for p in phrases} - {""}:
        open_start = not _WORD_CHAR.match(phrase[0])
        open_end = not _WORD_CHAR.match(phrase[-1])
        start = normalized.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if (open_start or start == 0 or not _WORD_CHAR.match(normalized[start - 1])) and (
                open_end or end == size or not _WORD_CHAR.match(normalized[end])
            ):
                found.append((start, end))
            start = normalized.find(phrase, start + 1)
    taken = bytearray(size)
    spans = []
    for start, end in sorted(found, key=lambda span: (span[0] - span[1], span[0])):
        if not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            spans.append((start, end))
    spans.sort()
    # Adjacent matches (世界 + 读书日) read as one.
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """text[start:end] escaped, with the spans (clipped to it) wrapped in <em>."""
    parts = []
    position = start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        parts += [escape(text[position:span_start]), "<em>", escape(text[span_start:span_end]), "</em>"]
        position = span_end
    parts.append(escape(text[position:end]))
    return "".join(parts)


def highlight(text: str, phrases: Iterable[str], *, length: int = 120) -> str:
    """An escaped excerpt of about `length` characters around the first match, phrases in <em>.

    Matching is on normalize(text), so 图书馆 highlights 圖書館; a longer phrase wins
    over a shorter one it overlaps. The excerpt starts a little before the first
    match (at the start of the text when the match shows there anyway), and '…'
    marks where text was cut. Without a match: the start of the text.
    """
    spans = _spans(normalize(text), phrases)
    lead = length // 6
    start = 0
    if spans and spans[0][1] > length - lead:
        start = max(0, spans[0][0] - lead)
    end = min(len(text), start + length)
    start = max(0, end - length)
    # Whitespace at a cut edge is noise next to the '…'.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    prefix = "…" if text[:start].strip() else ""
    suffix = "…" if text[end:].strip() else ""
    return prefix + _render(text, spans, start, end) + suffix


def highlight_all(text: str, phrases: Iterable[str]) -> str:
    """The whole text (a title, say), escaped, every occurrence of a phrase in <em>."""
    return _render(text, _spans(normalize(text), phrases), 0, len(text))
