"""The JSON API at /api/v3/: our routers beside Wagtail's v3 routers, one OpenAPI document.

Our routers (news, reports, chronicle, navigation, preview) have typed schemas
that this project keeps stable; Wagtail's preview API v3 (pages, schema, sites,
whoami) is mounted beside them as Wagtail ships it and may change with Wagtail.
Errors from every router are RFC 7807 problem details (422 for validation); our
operations declare each error status they can answer with (cms.api.common.responses).
"""

from http import HTTPStatus

from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer
from wagtail.api.v3.errors import PROBLEM_JSON, problem_response, register_exception_handlers
from wagtail.api.v3.routers.pages import router as wagtail_pages_router
from wagtail.api.v3.routers.schema import router as wagtail_schema_router
from wagtail.api.v3.routers.sites import router as wagtail_sites_router
from wagtail.api.v3.routers.whoami import router as wagtail_whoami_router

from cms.api.preview import router as preview_router
from home.api import router as navigation_router
from news.api import router as news_router
from search.api import router as search_router
from yearbook.api import chronicle_router, reports_router


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON, Chinese unescaped: readable, and about half the bytes of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class ProblemOpenAPISchema(OpenAPISchema):
    """Ninja's document, with error bodies under the media type they are sent as (application/problem+json)."""

    def responses(self, operation):
        result = super().responses(operation)
        for status, response in result.items():
            if status >= HTTPStatus.BAD_REQUEST and "content" in response:
                response["content"] = {PROBLEM_JSON: response["content"][self.api.renderer.media_type]}
        return result


class LibraryAPI(NinjaAPI):
    """Ninja's API, its document a ProblemOpenAPISchema."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ProblemOpenAPISchema(self, path_prefix)


api = LibraryAPI(
    renderer=ChineseJSONRenderer(),
    title="Library CMS API",
    version="1.0.0",
    description=(
        "Public content of the library's sites: news, annual reports, the chronicle, navigation and site "
        "settings, full-text search (our routers), and Wagtail's own page API v3. Anonymous callers see only live, public "
        "pages of the site named by the request's host or `?site=`."
    ),
    # Wagtail's v3 routers reverse their own URL names in this namespace.
    urls_namespace="wagtailapi_v3",
    openapi_url="/openapi.json",
    docs_url="/docs/",
)
register_exception_handlers(api)

api.add_router("/news/", news_router)
api.add_router("/reports/", reports_router)
api.add_router("/chronicle/", chronicle_router)
api.add_router("/navigation/", navigation_router)
api.add_router("/search/", search_router)
api.add_router("/preview/", preview_router)
api.add_router("/pages/", wagtail_pages_router)
api.add_router("/schema/", wagtail_schema_router)
api.add_router("/sites/", wagtail_sites_router)
api.add_router("/", wagtail_whoami_router)


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc):
    """422 whose detail names each parameter that is wrong, e.g. "limit: Input should be ≤ 100"."""
    problems = [f"{error['loc'][-1]}: {error['msg']}" for error in exc.errors if error.get("loc")]
    return problem_response(
        status=HTTPStatus.UNPROCESSABLE_ENTITY,
        detail="; ".join(problems) or "Invalid request.",
        errors=[{key: value for key, value in error.items() if key != "ctx"} for error in exc.errors],
    )
