"""Annual reports and the chronicle (大事记) in the API.

Wagtail's `live` flag is per page: unpublishing a report leaves its entries
`live` in the database although nobody can reach them. So a report is served
only when its yearbook is public, and an entry only when its report is.
"""

import datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Literal

from django.db.models import CharField, Count, F
from django.db.models.functions import Substr
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from wagtail.models import Page

from cms.api.common import PageRef, Paging, page_path_and_url, page_ref, paginate, reject_unknown_params, responses
from cms.api.content import DocumentOut, ReportBodyBlock, document_out, rich_text_html, stream_blocks
from cms.api.visibility import public_pages
from yearbook.models import (
    YEAR_VALIDATORS,
    AnnualReportPage,
    ChronicleCategory,
    ChronicleEntryPage,
    YearbookIndexPage,
)

reports_router = Router(tags=["reports"])
chronicle_router = Router(tags=["chronicle"])

YEAR_MIN, YEAR_MAX = (validator.limit_value for validator in YEAR_VALIDATORS)
CHRONOLOGICAL = ("sort_date", "sequence_number", "path")
# Page ids are 32-bit (AutoField); a larger id is bad input, not a database error.
PAGE_ID_MAX = 2**31 - 1


# --- Schemas ---------------------------------------------------------------------


class ChronicleCategoryOut(Schema):
    name: str
    slug: str


class ChronicleEntryOut(Schema):
    id: int
    title: str
    path: str
    url: str
    text: str = Field(description="The entry as HTML, links resolved.")
    sequence_number: int = Field(description="The entry's number in its year's chronicle.")
    year: int
    month: int | None = Field(description="Empty when the date is known only to the year or a part of it.")
    day: int | None = Field(description="Empty unless date_precision is day.")
    date_precision: Literal["day", "month", "season", "year"] = Field(
        description="How much of the date is known; season means a part of the year (see year_part)."
    )
    year_part: (
        Literal["early", "spring", "first_half", "summer", "mid", "second_half", "autumn", "winter", "end"] | None
    )
    date_text: str = Field(description="The date as the source wrote it, e.g. 年初 or 4、5月份; may be empty.")
    end_date: datetime.date | None = Field(description="The last day of an event over several days.")
    sort_date: datetime.date = Field(description="The first day the date can mean; the timeline's order.")
    category: ChronicleCategoryOut | None
    report: PageRef = Field(description="The annual report whose chronicle holds the entry.")
    related: list[PageRef] = Field(description="Related pages the reader may see, in the editor's order.")


class ChronicleListOut(Schema):
    count: int
    items: list[ChronicleEntryOut]


class ReportBaseOut(Schema):
    id: int
    title: str
    path: str
    url: str
    year: int = Field(description="The year the report covers.")
    date: datetime.date = Field(description="Publication date.")
    summary: str
    yearbook: PageRef


class ReportItemOut(ReportBaseOut):
    key_figure_count: int
    chronicle_entry_count: int = Field(description="Public entries of the report's chronicle.")


class ReportListOut(Schema):
    count: int
    items: list[ReportItemOut]


class KeyFigureOut(Schema):
    label: str
    value: int | float = Field(description="An integer when the number is whole.")
    unit: str
    note: str


class ReportAttachmentOut(Schema):
    title: str
    document: DocumentOut


class ReportDetailOut(ReportBaseOut):
    body: list[ReportBodyBlock] = Field(description="Paragraphs and numbered sections holding numbered items.")
    key_figures: list[KeyFigureOut] = Field(description="In the editor's order.")
    attachments: list[ReportAttachmentOut]
    chronicle: list[ChronicleEntryOut] = Field(description="The report's public chronicle, in chronological order.")
    seo_title: str
    search_description: str
    last_published_at: datetime.datetime | None


class ReportFilters(Schema):
    yearbook: int | None = Field(
        None, ge=1, le=PAGE_ID_MAX, description="Yearbook id, for a site with several yearbooks."
    )


class ChronicleFilters(Schema):
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="Year of the entries")
    category: str | None = Field(None, description="Chronicle category slug, e.g. dangjian")
    report: int | None = Field(None, ge=1, le=PAGE_ID_MAX, description="Annual report id")


REPORT_LIST_PARAMS = set(ReportFilters.model_fields) | set(Paging.model_fields)
CHRONICLE_PARAMS = set(ChronicleFilters.model_fields) | set(Paging.model_fields)


# --- Querysets: what a reader may see ----------------------------------------------


def _with_parent_in(queryset, parents):
    """Pages of `queryset` whose parent is one of `parents`.

    The parents (a site's yearbooks or reports: a few dozen) are read first: as a
    nested subquery, PostgreSQL without fresh statistics (after a bulk load) plans
    the path join as nested loops over every page.
    """
    parent_path = Substr("path", 1, (F("depth") - 1) * Page.steplen, output_field=CharField())
    paths = list(parents.values_list("path", flat=True))
    return queryset.annotate(parent_path=parent_path).filter(parent_path__in=paths)


def public_yearbooks(request):
    return public_pages(request, YearbookIndexPage)


def public_reports(request):
    """Public reports of the site whose yearbook is public too."""
    return _with_parent_in(public_pages(request, AnnualReportPage), public_yearbooks(request))


def public_entries(request):
    """Public chronicle entries of the site whose report is public too (a draft report hides its chronicle)."""
    return _with_parent_in(public_pages(request, ChronicleEntryPage), public_reports(request))


def _with_relations(entries):
    return entries.select_related("category").prefetch_related("related_pages")


def _not_found(message):
    return HttpError(HTTPStatus.NOT_FOUND, message)


def _yearbook(request, yearbook_id: int):
    yearbook = public_yearbooks(request).filter(pk=yearbook_id).first()
    if yearbook is None:
        raise _not_found(f"yearbook: no yearbook {yearbook_id} on this site.")
    return yearbook


# --- Output ------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _parents_by_path(pages, model):
    """The parents of `pages` (all of type `model`), by path, fetched in one query."""
    paths = {page.path[: -Page.steplen] for page in pages}
    return {parent.path: parent for parent in model.objects.filter(path__in=paths)}


def chronicle_entries_out(request, entries) -> list[dict]:
    """Chronicle entries as the API shows them; reports and related pages fetched once for all."""
    reports = _parents_by_path(entries, AnnualReportPage)
    related_ids = {link.page_id for entry in entries for link in entry.related_pages.all()}
    visible = {page.pk: page for page in public_pages(request).filter(pk__in=related_ids)} if related_ids else {}
    items = []
    for entry in entries:
        path, url = page_path_and_url(request, entry)
        category = entry.category
        items.append(
            {
                "id": entry.pk,
                "title": entry.title,
                "path": path,
                "url": url,
                "text": rich_text_html(request, entry.text),
                "sequence_number": entry.sequence_number,
                "year": entry.year,
                "month": entry.month,
                "day": entry.day,
                "date_precision": entry.date_precision,
                "year_part": entry.year_part or None,
                "date_text": entry.date_text,
                "end_date": entry.end_date,
                "sort_date": entry.sort_date,
                "category": {"name": category.name, "slug": category.slug} if category else None,
                "report": page_ref(request, reports[entry.path[: -Page.steplen]]),
                "related": [
                    page_ref(request, visible[link.page_id])
                    for link in entry.related_pages.all()
                    if link.page_id in visible
                ],
            }
        )
    return items


def _report_fields(request, report, yearbooks) -> dict:
    path, url = page_path_and_url(request, report)
    return {
        "id": report.pk,
        "title": report.title,
        "path": path,
        "url": url,
        "year": report.year,
        "date": report.date,
        "summary": report.summary,
        "yearbook": page_ref(request, yearbooks[report.path[: -Page.steplen]]),
    }


# --- Reports -----------------------------------------------------------------------


@reports_router.get("/", response=responses(ReportListOut), summary="List annual reports", operation_id="reports_list")
def list_reports(request, filters: Query[ReportFilters], paging: Query[Paging]):
    """The site's public annual reports, newest year first, with how many key figures and chronicle
    entries each has; `count` is the total."""
    reject_unknown_params(request, REPORT_LIST_PARAMS)
    reports = public_reports(request).annotate(key_figure_count=Count("key_figures", distinct=True))
    if filters.yearbook is not None:
        reports = reports.child_of(_yearbook(request, filters.yearbook))
    count, reports = paginate(reports.order_by("-year", "path"), paging)
    yearbooks = _parents_by_path(reports, YearbookIndexPage)
    entry_counts = dict(
        public_entries(request)
        .filter(parent_path__in=[report.path for report in reports])
        .order_by()
        .values_list("parent_path")
        .annotate(count=Count("pk"))
    )
    return {
        "count": count,
        "items": [
            _report_fields(request, report, yearbooks)
            | {
                "key_figure_count": report.key_figure_count,
                "chronicle_entry_count": entry_counts.get(report.path, 0),
            }
            for report in reports
        ],
    }


@reports_router.get(
    "/{year}/",
    response=responses(ReportDetailOut, HTTPStatus.CONFLICT),
    summary="Annual report of a year",
    operation_id="reports_detail",
)
def report_detail(
    request,
    filters: Query[ReportFilters],
    year: int = Path(..., ge=YEAR_MIN, le=YEAR_MAX, description="The year the report covers"),
):
    """The site's public report for `year`: body as typed blocks (numbered sections with numbered items),
    key figures, attachments and its chronicle in chronological order. When two yearbooks of the site
    have a report for the year, name one with `?yearbook=` (otherwise 409)."""
    reject_unknown_params(request, set(ReportFilters.model_fields))
    reports = public_reports(request).filter(year=year)
    if filters.yearbook is not None:
        reports = reports.child_of(_yearbook(request, filters.yearbook))
    reports = list(reports.order_by("path")[:2])
    if not reports:
        raise _not_found(f"year: no annual report for {year} on this site.")
    if len(reports) > 1:
        yearbooks = _parents_by_path(public_reports(request).filter(year=year), YearbookIndexPage)
        raise HttpError(
            HTTPStatus.CONFLICT,
            f"year: several yearbooks of this site have a report for {year}; choose one with "
            f"yearbook= ({', '.join(str(yearbook.pk) for yearbook in yearbooks.values())}).",
        )
    report = reports[0]
    yearbooks = _parents_by_path([report], YearbookIndexPage)
    entries = list(_with_relations(public_entries(request).child_of(report).order_by(*CHRONOLOGICAL)))
    return _report_fields(request, report, yearbooks) | {
        "body": stream_blocks(request, report.body),
        "key_figures": [
            {"label": figure.label, "value": _number(figure.value), "unit": figure.unit, "note": figure.note}
            for figure in report.key_figures.all()
        ],
        "attachments": [
            {
                "title": attachment.title or attachment.document.title,
                "document": document_out(request, attachment.document),
            }
            for attachment in report.attachments.select_related("document")
        ],
        "chronicle": chronicle_entries_out(request, entries),
        "seo_title": report.seo_title,
        "search_description": report.search_description,
        "last_published_at": report.last_published_at,
    }


# --- Chronicle ---------------------------------------------------------------------


@chronicle_router.get(
    "/", response=responses(ChronicleListOut), summary="The chronicle timeline", operation_id="chronicle_list"
)
def list_chronicle(request, filters: Query[ChronicleFilters], paging: Query[Paging]):
    """The site's public chronicle entries (大事记) across all years, in chronological order: by sort date
    (a partial date such as 年初 sorts at the first day it can mean), then by entry number. Filter by
    `year`, `category` (slug) or `report` (id); `count` is the total."""
    reject_unknown_params(request, CHRONICLE_PARAMS)
    entries = public_entries(request)
    if filters.year is not None:
        entries = entries.filter(year=filters.year)
    if filters.category:
        category = ChronicleCategory.objects.filter(slug=filters.category).first()
        if category is None:
            slugs = ", ".join(ChronicleCategory.objects.values_list("slug", flat=True))
            raise HttpError(
                HTTPStatus.UNPROCESSABLE_ENTITY, f"category: no category {filters.category!r}; choose from {slugs}."
            )
        entries = entries.filter(category=category)
    if filters.report is not None:
        report = public_reports(request).filter(pk=filters.report).first()
        if report is None:
            raise _not_found(f"report: no annual report {filters.report} on this site.")
        entries = entries.child_of(report)
    count, entries = paginate(_with_relations(entries.order_by(*CHRONOLOGICAL)), paging)
    return {"count": count, "items": chronicle_entries_out(request, entries)}
