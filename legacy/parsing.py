"""Read an old-site page (copied text or served HTML) into a `LegacyPage`.

Pure functions: bytes in, data out; nothing here touches the database.

A copied text page looks like the seed (`shared/seeds/…`)::

    首页 / 工作动态          <- breadcrumb
    工作动态                 <- the column's name
    2020年乾县图书馆工作年报  <- title
    2022-08-26               <- publication date
    …body…

An HTML page is read by structure: the title from the article heading (or
<title>), the date from the first date near it, the body from the element
holding most of the text, with navigation, headers, footers and scripts dropped.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from charset_normalizer import from_bytes


class LegacyPageError(ValueError):
    """The file cannot be read as an old-site page; the message says why."""


@dataclass
class LegacyPage:
    title: str
    date: datetime.date | None
    body_lines: list[str]
    column: str = ""
    breadcrumb: list[str] = field(default_factory=list)
    source: str = ""
    content_hash: str = ""
    old_path: str = ""


DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?!\d)")
BREADCRUMB_SEPARATORS = re.compile(r"\s*(?:/|>|»|›|＞|→)\s*")
# Whitespace an old CMS leaves around text, including full-width spaces and NBSP.
SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b]+")


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), GB18030/GBK or what charset detection finds.

    Raises LegacyPageError for empty, binary or undecodable input.
    """
    if not data.strip():
        raise LegacyPageError("the file is empty")
    if b"\x00" in data[:4096]:
        raise LegacyPageError("the file is binary, not a page")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None:
        raise LegacyPageError("the file's text encoding cannot be recognised")
    return str(best)


def clean_line(line: str) -> str:
    return SPACES.sub(" ", line).strip()


def parse_date(text: str) -> datetime.date | None:
    """The first full date (2022-08-26, 2022年8月26日, 2022/8/26) in `text`, if any."""
    match = DATE_RE.search(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


METADATA_RE = re.compile(r"^(发布时间|发布日期|日期|时间|来源|作者|浏览次数|点击数|阅读次数|编辑)\s*[:：]")


def is_metadata_line(line: str) -> bool:
    """A "发布时间：2022-08-26 来源：…" line, or a date alone."""
    if METADATA_RE.match(line):
        return True
    return bool(parse_date(line)) and len(DATE_RE.sub("", line).strip()) <= 2


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype", "<html")) or "<body" in head or "<div" in head


def parse(data: bytes, source: str = "") -> LegacyPage:
    """Read one old-site page from its bytes; `source` names it in messages and records."""
    text = decode(data)
    page = parse_html(text) if looks_like_html(text) else parse_text(text)
    page.source = source
    page.content_hash = hashlib.sha256(data).hexdigest()
    if not page.title:
        raise LegacyPageError("no title found")
    if not any(page.body_lines):
        raise LegacyPageError("no body text found")
    return page


def parse_text(text: str) -> LegacyPage:
    """Read a page copied as text from the old site (breadcrumb, column, title, date, body)."""
    lines = [clean_line(line) for line in text.splitlines()]
    non_empty = [(index, line) for index, line in enumerate(lines) if line]
    if not non_empty:
        raise LegacyPageError("the file is empty")

    position = 0
    breadcrumb: list[str] = []
    column = ""
    first = non_empty[0][1]
    if BREADCRUMB_SEPARATORS.search(first) and len(first) <= 60:
        breadcrumb = [part for part in BREADCRUMB_SEPARATORS.split(first) if part]
        position = 1
        # The old site repeats the column's name under the breadcrumb.
        if position < len(non_empty) and breadcrumb and non_empty[position][1] == breadcrumb[-1]:
            column = breadcrumb[-1]
            position += 1
        elif breadcrumb:
            column = breadcrumb[-1]

    title = ""
    date = None
    header_end = position
    # The title and the date line follow, in either order, within a few lines.
    for offset in range(position, min(position + 3, len(non_empty))):
        line = non_empty[offset][1]
        if is_metadata_line(line) and parse_date(line) and date is None:
            date = parse_date(line)
            header_end = offset + 1
        elif not title:
            title = line
            header_end = offset + 1
        if title and date:
            break
    body_start = non_empty[header_end][0] if header_end < len(non_empty) else len(lines)
    body_lines = [line for line in lines[body_start:] if line]
    return LegacyPage(title=title, date=date, body_lines=body_lines, column=column, breadcrumb=breadcrumb)


NOISE_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "button"]
NOISE_HINTS = re.compile(r"nav|menu|footer|header|breadcrumb|sidebar|share|copyright|banner|toolbar", re.I)
BLOCK_TAGS = ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "td"]


def _element_lines(element) -> list[str]:
    for br in element.find_all("br"):
        br.replace_with("\n")
    for block in element.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    return [clean_line(line) for line in element.get_text().splitlines() if clean_line(line)]


def parse_html(text: str) -> LegacyPage:
    """Read a page served by the old site: title, date and article text found by structure."""
    soup = BeautifulSoup(text, "html.parser")
    html_title = clean_line(soup.title.get_text()) if soup.title else ""
    canonical = soup.find("link", rel="canonical") or soup.find("meta", property="og:url")
    old_url = (canonical.get("href") or canonical.get("content") or "") if canonical else ""
    breadcrumb_element = soup.find(class_=re.compile("breadcrumb|position|location|crumb", re.I))
    breadcrumb = []
    if breadcrumb_element:
        breadcrumb = [
            part for part in BREADCRUMB_SEPARATORS.split(clean_line(breadcrumb_element.get_text(" "))) if part
        ]
        breadcrumb = [part for part in breadcrumb if part not in {"当前位置:", "当前位置：", "您的位置:", "您的位置："}]
    for tag in soup(NOISE_TAGS):
        tag.decompose()
    for element in soup.find_all(attrs={"class": NOISE_HINTS}) + soup.find_all(attrs={"id": NOISE_HINTS}):
        if element.decomposed:
            continue
        element.decompose()

    heading = soup.find(["h1", "h2"])
    title = clean_line(heading.get_text()) if heading else ""
    if not title and html_title:
        # "<article title> - <site name>"
        title = re.split(r"\s+[-|_–—]\s+", html_title)[0]

    # The body: the element whose own paragraphs hold the most text.
    candidates = soup.find_all(["article", "div", "section", "td", "body"])
    best, best_score = None, 0
    for candidate in candidates:
        paragraphs = candidate.find_all("p", recursive=True) or [candidate]
        score = sum(len(p.get_text(strip=True)) for p in paragraphs)
        # Prefer the innermost element that holds the text (less link text, fewer wrappers).
        links = sum(len(a.get_text(strip=True)) for a in candidate.find_all("a"))
        score -= 2 * links
        if score > best_score or (score == best_score and best is not None and candidate in best.descendants):
            best, best_score = candidate, score
    if best is None:
        raise LegacyPageError("no body text found")

    date = None
    if heading:
        for sibling in heading.find_all_next(string=DATE_RE, limit=3):
            date = parse_date(sibling)
            if date:
                break
    if date is None:
        date = parse_date(soup.get_text(" "))

    body_lines = _element_lines(best)
    # The heading and the date line may sit inside the body element.
    body_lines = [line for line in body_lines if line != title and not is_metadata_line(line)]
    column = breadcrumb[-1] if breadcrumb else ""
    if column == title and len(breadcrumb) > 1:
        column = breadcrumb[-2]
    return LegacyPage(
        title=title,
        date=date,
        body_lines=body_lines,
        column=column,
        breadcrumb=breadcrumb,
        old_path=urlsplit(old_url).path if old_url else "",
    )
