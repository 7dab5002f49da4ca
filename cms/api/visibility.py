"""Which pages an anonymous reader may see through the API: one rule for every endpoint.

Only live pages without a view restriction (on them or an ancestor), not past
their expiry time, below no unpublished or expired page, inside the site of the
request (its host, or `?site=`). Wagtail's own public queryset does the first
two and the last; expiry is checked here because a page stays `live` until the
scheduler's next run unpublishes it, and the pages below an unpublished section
because Wagtail leaves them `live` when an editor unpublishes only the section
(a column, a report): readers should not find a column's items, and the
column's title with them, after the column was taken down.

Wagtail's own read APIs (v2 at /api/v2/, the v3 pages router at /api/v3/pages/)
have no setting for these gaps: their public queryset knows neither expiry
nor unpublished sections, and their rich text turns a link to any page, a draft
or a private one included, into its address. `_guard_wagtail_apis()` makes them follow the
rule above when this module is imported, which happens whenever the API is
mounted (cms/urls.py).
"""

from http import HTTPStatus

from bs4 import BeautifulSoup
from django.db.models import Q
from django.utils import timezone
from ninja.errors import HttpError
from wagtail.api import querysets as wagtail_querysets
from wagtail.api.rich_text import APIRichText
from wagtail.api.v2 import views as wagtail_v2_views
from wagtail.api.v3 import querysets as wagtail_v3_querysets
from wagtail.api.validators import SiteFilterValidator
from wagtail.models import Page, Site

_wagtail_public_pages = wagtail_querysets.get_public_pages_queryset


def request_site(request) -> Site:
    """The site the request is about: `?site=` (host name or host:port), else the request's host."""
    try:
        site = SiteFilterValidator(site=request.GET.get("site"), request=request).site_obj
    except ValueError as error:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(error)) from error
    if site is None:
        raise HttpError(HTTPStatus.NOT_FOUND, "No site matches this request.")
    return site


def _hidden_section_paths(request=None) -> list[str]:
    """Paths of the unpublished or expired pages that have pages below them; once per request."""
    paths = getattr(request, "_hidden_section_paths", None)
    if paths is None:
        paths = list(
            Page.objects.filter(depth__gt=1, numchild__gt=0)
            .filter(Q(live=False) | Q(expire_at__lte=timezone.now()))
            .values_list("path", flat=True)
        )
        if request is not None:
            request._hidden_section_paths = paths
    return paths


def shown(queryset, request=None):
    """`queryset` without pages past their expiry time or below an unpublished or expired page.

    An expired page stays `live` until the scheduler runs; the pages below a
    section that was unpublished on its own stay `live` for good.
    """
    queryset = queryset.filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now()))
    for path in _hidden_section_paths(request):
        queryset = queryset.exclude(path__startswith=path)
    return queryset


def public_pages(request, model=Page):
    """Pages of `model` that anonymous readers of the request's site may see."""
    try:
        queryset = _wagtail_public_pages(request, model)
    except ValueError as error:  # ?site= matched several sites
        raise HttpError(HTTPStatus.BAD_REQUEST, str(error)) from error
    return shown(queryset, request)


def is_public(request, page) -> bool:
    return public_pages(request).filter(pk=page.pk).exists()


def public_anywhere(queryset=None):
    """Pages anyone may see on their own site: live, not expired, no view restriction on them or an ancestor.

    For places that have no request to name a site: references between pages in
    Wagtail's APIs and rich text links. A page of another site is public there.
    """
    queryset = Page.objects.all() if queryset is None else queryset
    return shown(queryset.live().public())


def unlink_hidden_pages(html: str) -> str:
    """Database rich text whose links to pages nobody may see keep their words and lose their target."""
    if not html or "linktype" not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    links = soup.find_all("a", attrs={"linktype": "page"})
    ids = {int(link["id"]) for link in links if link.get("id", "").isdigit()}
    visible = set(public_anywhere().filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    hidden = [link for link in links if not link.get("id", "").isdigit() or int(link["id"]) not in visible]
    for link in hidden:
        del link["linktype"]
        link.attrs.pop("id", None)
    return str(soup) if hidden else html


def _public_pages_for_wagtail_apis(request, model=Page):
    return shown(_wagtail_public_pages(request, model), request)


def _guard_wagtail_apis():
    """Make Wagtail's v2 and v3 read APIs follow the rule above (see the module docstring).

    Both import Wagtail's public queryset by name, so each module's name is
    replaced. Only the formats that resolve links to addresses ("html",
    "markdown") drop links to hidden pages; the database formats keep the page
    id, which editors' API clients need to send the text back unchanged.
    """
    for module in (wagtail_querysets, wagtail_v2_views, wagtail_v3_querysets):
        module.get_public_pages_queryset = _public_pages_for_wagtail_apis

    if getattr(APIRichText, "_hides_hidden_pages", False):
        return
    serialize_html, serialize_markdown = APIRichText._serialize_html, APIRichText._serialize_markdown
    APIRichText._serialize_html = staticmethod(
        lambda value, *, features=None: serialize_html(unlink_hidden_pages(value), features=features)
    )
    APIRichText._serialize_markdown = staticmethod(
        lambda value, *, features=None: serialize_markdown(unlink_hidden_pages(value), features=features)
    )
    APIRichText._hides_hidden_pages = True


_guard_wagtail_apis()
