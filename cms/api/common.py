"""Pieces every router of ours shares: page references, strict query parameters, paging, error responses."""

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


# Statuses any operation of ours can answer with: `?site=` malformed or ambiguous (400) or
# naming no site (404; cms/api/visibility.py), a bad parameter (422), the rate limit (429;
# cms/api/http.py).
COMMON_ERRORS = (
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.NOT_FOUND,
    HTTPStatus.UNPROCESSABLE_ENTITY,
    HTTPStatus.TOO_MANY_REQUESTS,
)


class ParameterError(Schema):
    """One invalid parameter of a 422, as pydantic reports it."""

    type: str = Field(description="What is wrong, e.g. int_parsing or greater_than_equal.")
    loc: list[str | int] = Field(description='Where, e.g. ["query", "limit"].')
    msg: str


class Problem(Schema):
    """An error as RFC 7807 problem details (application/problem+json), from wagtail.api.v3.errors.problem_response."""

    type: str = Field(description="about:blank: the status and title say what happened.")
    title: str = Field(description="The status's phrase, e.g. Unprocessable Entity.")
    status: int
    detail: str = Field(description="For people; names the parameter at fault, e.g. limit: Input should be …")
    errors: list[ParameterError] | None = Field(
        None, description="A 422's invalid parameters, when pydantic found them."
    )


def responses(ok, *errors: HTTPStatus, public: bool = True) -> dict:
    """An operation's `response=`: `ok` for 200, a problem for each of COMMON_ERRORS and `errors`, and, when
    the answer is `public` (shared and validated, cms/api/http.py), 304 for a conditional GET."""
    declared = {int(HTTPStatus.OK): ok}
    if public:
        declared[int(HTTPStatus.NOT_MODIFIED)] = None
    return declared | {int(status): Problem for status in sorted({*COMMON_ERRORS, *errors})}


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
