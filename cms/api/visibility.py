"""Which pages an anonymous reader may see through the API: one rule for every endpoint.

Only live pages without a view restriction (on them or an ancestor), not past
their expiry time, inside the site of the request (its host, or `?site=`).
Wagtail's own public queryset does the first three; expiry is checked here too
because a page stays `live` until the scheduler's next run unpublishes it.
"""

from http import HTTPStatus

from django.db.models import Q
from django.utils import timezone
from ninja.errors import HttpError
from wagtail.api.querysets import get_public_pages_queryset
from wagtail.api.validators import SiteFilterValidator
from wagtail.models import Page, Site


def request_site(request) -> Site:
    """The site the request is about: `?site=` (host name or host:port), else the request's host."""
    try:
        site = SiteFilterValidator(site=request.GET.get("site"), request=request).site_obj
    except ValueError as error:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(error)) from error
    if site is None:
        raise HttpError(HTTPStatus.NOT_FOUND, "No site matches this request.")
    return site


def public_pages(request, model=Page):
    """Pages of `model` that anonymous readers of the request's site may see."""
    try:
        queryset = get_public_pages_queryset(request, model)
    except ValueError as error:  # ?site= matched several sites
        raise HttpError(HTTPStatus.BAD_REQUEST, str(error)) from error
    now = timezone.now()
    return queryset.filter(Q(expire_at__isnull=True) | Q(expire_at__gt=now))


def is_public(request, page) -> bool:
    return public_pages(request).filter(pk=page.pk).exists()
