"""Turn old-site pages into CMS pages: news items, annual reports and their chronicles.

`import_file` is the one entry point per page; it is safe to repeat: a source that
was imported before and has not changed is left alone, a changed one updates its
page as a new revision (an editor's later revisions stay in the history), and a
new one creates a page. Nothing is published unless asked for.
"""

import datetime
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site

from legacy.events import find_events
from legacy.figures import extract_figures
from legacy.models import LegacySource
from legacy.parsing import LegacyPage, LegacyPageError, parse
from legacy.structure import Structure, parse_structure, report_year
from news.models import NewsIndexPage, NewsPage
from yearbook.models import (
    AnnualReportPage,
    ChronicleCategory,
    ChronicleEntryPage,
    DatePrecision,
    KeyFigure,
    YearbookIndexPage,
    YearPart,
)

PAGE_SUFFIXES = {".txt", ".html", ".htm", ".shtml", ".xhtml"}
DEFAULT_COLUMN = "工作动态"
DEFAULT_YEARBOOK = "年报"
TITLE_MAX = 40

# Chronicle categories by keyword, first match wins (slugs of yearbook's data migration).
CATEGORY_KEYWORDS = [
    ("dangjian", ("党支部", "党员", "巡察", "党的", "党委", "主题党日", "从严治党", "党组织", "主题教育")),
    ("rongyu", ("评为", "授予", "荣获", "表彰")),
    ("peixun", ("培训",)),
    ("huodong", ("活动", "讲座", "故事会")),
    ("yewu", ("馆际互借", "服务点", "分馆", "统借", "文献")),
]
# Chronicle date wordings that name a part of the year.
YEAR_PARTS = {
    "年初": YearPart.EARLY,
    "上半年": YearPart.FIRST_HALF,
    "年中": YearPart.MID,
    "下半年": YearPart.SECOND_HALF,
    "年底": YearPart.END,
    "年末": YearPart.END,
    "春季": YearPart.SPRING,
    "夏季": YearPart.SUMMER,
    "秋季": YearPart.AUTUMN,
    "冬季": YearPart.WINTER,
}


@dataclass
class ImportResult:
    source: str
    status: str  # created, updated, unchanged, failed
    page: Page | None = None
    reason: str = ""
    kind: str = ""
    children: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportOptions:
    site: Site
    column: str = ""
    publish: bool = False
    base_url: str = ""


def iter_page_files(paths):
    """Each page file under `paths` (files, or directories walked recursively), with its root."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in PAGE_SUFFIXES and not child.name.startswith("."):
                    yield child, path
        else:
            yield path, path.parent


def old_path_for(file_path: Path, root: Path, base_url: str, legacy: LegacyPage) -> str:
    """The page's path on the old site, when it can be known (canonical link, or --base-url)."""
    if legacy.old_path:
        return legacy.old_path
    if base_url:
        relative = file_path.relative_to(root).as_posix()
        return urlsplit(base_url.rstrip("/") + "/" + relative).path
    return ""


def paragraph(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


LEADING_DATE_RE = re.compile(
    r"^(?:(?:19|20)\d{2}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:\s*(?:—|–|-|至|到)\s*(?:\d{1,2}月)?\d{1,2}日)?"
    r"(?:上午|下午|晚|晚上)?(?:\d{1,2}[:：]\d{2})?(?:年初|上半年|年中|下半年|年底|年末)?[\s,，、]*"
)


def short_title(text: str) -> str:
    """A title for a chronicle entry: its words without the leading date, cut at a pause."""
    rest = LEADING_DATE_RE.sub("", text).strip() or text
    if len(rest) <= TITLE_MAX:
        return rest.rstrip("。")
    cut = max(rest.rfind(mark, 0, TITLE_MAX) for mark in "，,。;；")
    return rest[:cut] if cut >= 12 else rest[:TITLE_MAX]


def import_file(file_path, options: ImportOptions, root=None) -> ImportResult:
    """Import one old-site page file; see the module docstring for what happens on repeats."""
    file_path = Path(file_path)
    source = str(file_path.resolve())
    try:
        data = file_path.read_bytes()
        legacy = parse(data, source=source)
    except (OSError, LegacyPageError) as error:
        return ImportResult(source=source, status="failed", reason=str(error))
    legacy.old_path = old_path_for(file_path, Path(root or file_path.parent), options.base_url, legacy)
    if legacy.old_path:
        source = legacy.old_path if not options.base_url else options.base_url.rstrip("/") + legacy.old_path
    try:
        with transaction.atomic():
            return import_page(legacy, options, source)
    except ValidationError as error:
        # E.g. a page the editors changed so that it no longer validates; the rest goes on.
        return ImportResult(source=source, status="failed", reason="; ".join(error.messages))


def import_page(legacy: LegacyPage, options: ImportOptions, source: str) -> ImportResult:
    """Create or update the CMS page for one parsed old-site page."""
    record = LegacySource.objects.filter(source=source).select_related("page").first()
    if record is None:
        # The same content under another name (a moved file) is the same page.
        record = LegacySource.objects.filter(content_hash=legacy.content_hash, page__isnull=False).first()
    if record is not None and record.content_hash == legacy.content_hash and record.page is not None:
        return ImportResult(source=source, status="unchanged", page=record.page.specific)

    structure = parse_structure(legacy.body_lines, legacy.title)
    year = report_year(legacy.title, structure.heading)
    if year is not None:
        page, created, children = import_report(legacy, structure, year, options, record)
        kind = "annual report"
    else:
        page, created, children = import_news(legacy, structure, options, record)
        kind = "news item"

    if record is None:
        record = LegacySource(source=source)
    record.source = source
    record.old_path = legacy.old_path
    record.content_hash = legacy.content_hash
    record.page = page
    record.save()
    if legacy.old_path:
        Redirect.objects.update_or_create(
            old_path=Redirect.normalise_path(legacy.old_path),
            site=options.site,
            defaults={"redirect_page": page, "redirect_link": "", "is_permanent": True},
        )
    return ImportResult(
        source=source, status="created" if created else "updated", page=page, kind=kind, children=children
    )


def _save(page: Page, parent: Page | None, publish: bool) -> None:
    """Add (when `parent` is given) or update `page` as a new revision; publish only if asked."""
    if parent is not None:
        page.live = False
        parent.add_child(instance=page)
    revision = page.save_revision(log_action=True, clean=True)
    if publish:
        revision.publish()


def _editable(record: LegacySource | None, model):
    """The latest revision of the page made from `record` (the editor's draft included), or None."""
    if record is None or record.page is None or not isinstance(record.page.specific, model):
        return None
    return record.page.specific.get_latest_revision_as_object()


def _find_or_create(model, parent: Page, title: str, publish: bool = True):
    for child in model.objects.child_of(parent):
        if child.title == title:
            return child
    page = model(title=title)
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return page


def news_body(structure: Structure, lines_if_flat: list[str]) -> list[tuple[str, object]]:
    """StreamField blocks of a news item: headings, paragraphs and numbered items."""
    blocks = []
    if structure.heading:
        blocks.append(("heading", {"text": structure.heading, "level": "h2"}))
    blocks.extend(("paragraph", paragraph(text)) for text in structure.intro)
    for section in structure.sections:
        blocks.append(("heading", {"text": f"{section.number}、{section.heading}", "level": "h2"}))
        blocks.extend(_section_blocks(section.content))
    if structure.chronicle:
        blocks.append(("heading", {"text": structure.chronicle_heading, "level": "h2"}))
        blocks.extend(
            ("item", {"number": str(entry.number), "lead": "", "text": paragraph(entry.text)})
            for entry in structure.chronicle
        )
    if not blocks:
        blocks = [("paragraph", paragraph(text)) for text in lines_if_flat]
    return blocks


def _section_blocks(content):
    for kind, value in content:
        if kind == "item":
            yield ("item", {"number": value.number, "lead": value.lead, "text": paragraph(value.text)})
        else:
            yield ("paragraph", paragraph(value))


def _column(options: ImportOptions, legacy: LegacyPage) -> NewsIndexPage:
    name = options.column or legacy.column or DEFAULT_COLUMN
    return _find_or_create(NewsIndexPage, options.site.root_page.specific, name)


def import_news(legacy, structure, options, record):
    page = _editable(record, NewsPage)
    created = page is None
    if created:
        page = NewsPage(title=legacy.title)
    page.title = legacy.title
    page.date = legacy.date or datetime.date.today()
    page.body = news_body(structure, legacy.body_lines)
    _save(page, _column(options, legacy) if created else None, options.publish)
    return page, created, {}


def report_blocks(structure: Structure) -> list[tuple[str, object]]:
    blocks = [("paragraph", paragraph(text)) for text in structure.intro]
    for section in structure.sections:
        blocks.append(
            (
                "section",
                {
                    "number": section.number,
                    "heading": section.heading,
                    "content": list(_section_blocks(section.content)),
                },
            )
        )
    return blocks


def report_text(structure: Structure) -> str:
    """The report's prose without its chronicle, for figures and dated events."""
    parts = list(structure.intro)
    for section in structure.sections:
        parts.extend(value if kind == "paragraph" else value.text for kind, value in section.content)
    return "\n".join(parts)


def import_report(legacy, structure, year, options, record):
    root = options.site.root_page.specific
    # The site's yearbook section, whatever its title; one is made when there is none.
    yearbook = YearbookIndexPage.objects.child_of(root).first() or _find_or_create(
        YearbookIndexPage, root, DEFAULT_YEARBOOK
    )
    page = _editable(record, AnnualReportPage)
    if page is None:
        # Adopt a report for the same year written by hand (e.g. earlier demo content).
        existing = AnnualReportPage.objects.child_of(yearbook).filter(year=year).first()
        page = existing.get_latest_revision_as_object() if existing else None
    created = page is None
    if created:
        page = AnnualReportPage(title=legacy.title, year=year)
    page.title = legacy.title
    page.year = year
    page.date = legacy.date or datetime.date.today()
    page.summary = structure.intro[0] if structure.intro else ""
    page.body = report_blocks(structure)
    text = report_text(structure)
    page.key_figures = [
        KeyFigure(
            label=figure.label, value=figure.value, unit=figure.unit, note=figure.sentence[:200], sort_order=index
        )
        for index, figure in enumerate(extract_figures(text))
    ]
    _save(page, yearbook if created else None, options.publish)
    page = AnnualReportPage.objects.get(pk=page.pk)
    children = {
        "chronicle entries": import_chronicle(page, structure, year, options.publish),
        "proposed entries": propose_events(page, text, year),
    }
    return page, created, children


def _entry_date(text: str, year: int) -> dict:
    """Date fields of a chronicle entry from its wording (年初, 4月23日, 5月, or none)."""
    head = text[:12]
    for wording, part in YEAR_PARTS.items():
        if head.startswith(wording) or head.startswith(f"{year}年{wording}"):
            return {"date_precision": DatePrecision.SEASON, "year_part": part, "date_text": wording}
    match = re.match(rf"(?:{year}年)?(\d{{1,2}})月(?:(\d{{1,2}})日)?", text)
    if match and 1 <= int(match.group(1)) <= 12:
        month, day = int(match.group(1)), match.group(2)
        if day:
            try:
                datetime.date(year, month, int(day))
                return {
                    "date_precision": DatePrecision.DAY,
                    "month": month,
                    "day": int(day),
                    "date_text": match.group(0),
                }
            except ValueError:
                pass
        return {"date_precision": DatePrecision.MONTH, "month": month, "date_text": match.group(0)}
    return {"date_precision": DatePrecision.YEAR, "date_text": ""}


def infer_category(text: str) -> ChronicleCategory | None:
    for slug, keywords in CATEGORY_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return ChronicleCategory.objects.filter(slug=slug).first()
    return None


def _set_entry(entry: ChronicleEntryPage, text: str, year: int, date_fields: dict) -> None:
    entry.title = short_title(text)
    entry.text = paragraph(text)
    entry.year = year
    entry.month = entry.day = None
    entry.year_part = ""
    entry.end_date = None
    for name, value in date_fields.items():
        setattr(entry, name, value)
    entry.category = infer_category(text)


def import_chronicle(report: AnnualReportPage, structure: Structure, year: int, publish: bool) -> int:
    """The report's 大事记, in order, numbered; entries already there are updated, not duplicated."""
    existing = {entry.sequence_number: entry for entry in ChronicleEntryPage.objects.child_of(report)}
    for line in structure.chronicle:
        entry = existing.get(line.number)
        if entry is not None:
            entry = entry.get_latest_revision_as_object()
            if entry.text == paragraph(line.text) and not entry.source_text:
                continue
        created = entry is None
        if created:
            entry = ChronicleEntryPage(sequence_number=line.number)
        _set_entry(entry, line.text, year, _entry_date(line.text, year))
        entry.source_text = ""
        _save(entry, report if created else None, publish)
    return len(structure.chronicle)


def propose_events(report: AnnualReportPage, text: str, year: int) -> int:
    """Draft chronicle entries for the dated events the report mentions, each once."""
    entries = ChronicleEntryPage.objects.child_of(report)
    proposed = set(entries.exclude(source_text="").values_list("source_text", flat=True))
    next_number = max(entries.values_list("sequence_number", flat=True), default=0) + 1
    count = 0
    for event in find_events(text, year):
        count += 1
        if event.sentence in proposed:
            continue
        entry = ChronicleEntryPage(sequence_number=next_number)
        _set_entry(
            entry,
            event.sentence,
            event.start.year,
            {
                "date_precision": DatePrecision.DAY,
                "month": event.start.month,
                "day": event.start.day,
                "date_text": event.date_text,
            },
        )
        entry.end_date = event.end
        entry.source_text = event.sentence
        _save(entry, report, publish=False)  # proposals always wait for an editor
        proposed.add(event.sentence)
        next_number += 1
    return count
