"""Pieces every router of ours shares: page references, strict query parameters, paging."""

from http import HTTPStatus

from ninja import Field, Schema
from ninja.errors import HttpError
from wagtail.models import Page

LIMIT_DEFAULT = 20
LIMIT_MAX = 100
PARAM_MAX_LENGTH = 200
# The largest id or offset the databases take (PostgreSQL integer, SQLite safe).
MAX_ID = 2**31 - 1
# Parameters any endpoint accepts besides its own.
COMMON_PARAMS = {"site", "format"}


class PageRef(Schema):
    id: int
    title: str
    type: str = Field(description="app_label.ModelName, e.g. news.NewsPage")
    path: str = Field(description="The page's path on its site, e.g. /工作动态/2020-04-23/")
    url: str = Field(description="The page's full address on its site")


def page_path_and_url(request, page: Page) -> tuple[str, str]:
    parts = page.get_url_parts(request)
    if parts is None:
        return "", ""
    _, root_url, path = parts
    return path, f"{root_url}{path}"


def page_ref(request, page: Page | None) -> dict | None:
    if page is None:
        return None
    path, url = page_path_and_url(request, page)
    return {
        "id": page.pk,
        "title": page.title,
        "type": f"{page.specific_class._meta.app_label}.{page.specific_class.__name__}",
        "path": path,
        "url": url,
    }


def reject_unknown_params(request, allowed: set[str]) -> None:
    """A 422 naming any query parameter the endpoint does not know, or one that is overlong."""
    unknown = sorted(set(request.GET) - allowed - COMMON_PARAMS)
    if unknown:
        raise HttpError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"Unknown query parameter(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed | COMMON_PARAMS))}.",
        )
    for name, values in request.GET.lists():
        if any(len(value) > PARAM_MAX_LENGTH for value in values):
            raise HttpError(
                HTTPStatus.UNPROCESSABLE_ENTITY, f"Query parameter {name} is longer than {PARAM_MAX_LENGTH} characters."
            )


class Paging(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description=f"Items per page, 1–{LIMIT_MAX}.")
    offset: int = Field(0, ge=0, le=MAX_ID, description="Items to skip.")


def paginate(queryset, paging: Paging) -> tuple[int, list]:
    return queryset.count(), list(queryset[paging.offset : paging.offset + paging.limit])
