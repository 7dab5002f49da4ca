"""Navigation and site settings in the API: what every page of the front end shows around its content."""

import datetime

from django.utils import timezone
from ninja import Field, Router, Schema
from wagtail.models import Page

from cms.api.common import PageRef, page_path_and_url, page_ref, reject_unknown_params, responses
from cms.api.content import ImageOut, image_out
from cms.api.visibility import public_pages, request_site
from home.models import HomePage, LibrarySettings, Weekday

router = Router(tags=["navigation"])

MENU_DEPTH = 3


class SiteOut(Schema):
    id: int
    hostname: str
    port: int
    site_name: str
    root: PageRef = Field(description="The site's root page (首页).")


class MenuItemOut(Schema):
    id: int
    title: str
    type: str = Field(description="app_label.ModelName, e.g. news.NewsIndexPage")
    path: str
    url: str
    children: list["MenuItemOut"] = Field(description="Menu pages below this one, in tree order.")


MenuItemOut.model_rebuild()


class SessionOut(Schema):
    opens: datetime.time
    closes: datetime.time
    note: str


class DayHoursOut(Schema):
    weekday: int = Field(ge=0, le=6, description="0 is Monday, 6 is Sunday.")
    closed: bool = Field(description="True when the library does not open that day (no sessions).")
    sessions: list[SessionOut] = Field(description="Opening sessions of the day, earliest first.")


class OpeningExceptionOut(Schema):
    start_date: datetime.date
    end_date: datetime.date = Field(description="The last day; the same as start_date for a single day.")
    closed: bool
    opens: datetime.time | None = Field(description="Empty when closed.")
    closes: datetime.time | None = Field(description="Empty when closed.")
    reason: str


class LibrarySettingsOut(Schema):
    library_name: str
    address: str
    phone: str
    email: str
    opening_hours: list[DayHoursOut] = Field(
        description="Regular hours for each weekday, Monday first; empty when the library has not given its hours."
    )
    opening_exceptions: list[OpeningExceptionOut] = Field(
        description="Holidays and other exceptions that have not ended yet, soonest first."
    )
    icp_number: str = Field(description="ICP filing number (备案号)")
    public_security_number: str = Field(description="Public security filing number (公安备案号)")
    wechat_account_name: str
    wechat_qr: ImageOut | None
    footer_text: str


class NoticeOut(Schema):
    text: str
    url: str | None = Field(description="Where the notice links to, if anywhere.")
    page: PageRef | None = Field(description="The page the notice links to, when it links to one.")


class NavigationOut(Schema):
    site: SiteOut
    menu: list[MenuItemOut] = Field(description=f"Pages shown in menus, in tree order, to {MENU_DEPTH} levels.")
    settings: LibrarySettingsOut
    notice: NoticeOut | None = Field(description="The home page's notice banner, when it is shown now.")


def menu_tree(request, root: Page) -> list[dict]:
    """Public pages marked "show in menus" below `root`, nested; a page whose parent is not in the menu is left out."""
    pages = (
        public_pages(request)
        .descendant_of(root)
        .filter(show_in_menus=True, depth__lte=root.depth + MENU_DEPTH)
        .order_by("path")
    )
    items_by_path = {root.path: {"children": []}}
    for page in pages:  # tree order: a parent comes before its children
        parent = items_by_path.get(page.path[: -Page.steplen])
        if parent is None:
            continue
        path, url = page_path_and_url(request, page)
        item = {
            "id": page.pk,
            "title": page.title,
            "type": f"{page.specific_class._meta.app_label}.{page.specific_class.__name__}",
            "path": path,
            "url": url,
            "children": [],
        }
        parent["children"].append(item)
        items_by_path[page.path] = item
    return items_by_path[root.path]["children"]


def opening_hours(settings: LibrarySettings) -> list[dict]:
    rows = list(settings.opening_hours.all()) if settings.pk else []
    if not rows:
        return []
    days = []
    for weekday in Weekday.values:
        sessions = sorted(
            (row for row in rows if row.weekday == weekday and not row.closed and row.opens and row.closes),
            key=lambda row: row.opens,
        )
        days.append(
            {
                "weekday": weekday,
                "closed": not sessions,
                "sessions": [{"opens": row.opens, "closes": row.closes, "note": row.note} for row in sessions],
            }
        )
    return days


def opening_exceptions(settings: LibrarySettings) -> list[dict]:
    if not settings.pk:
        return []
    today = timezone.localdate()
    exceptions = [
        exception
        for exception in settings.opening_exceptions.all()
        if (exception.end_date or exception.start_date) >= today
    ]
    return [
        {
            "start_date": exception.start_date,
            "end_date": exception.end_date or exception.start_date,
            "closed": exception.closed,
            "opens": None if exception.closed else exception.opens,
            "closes": None if exception.closed else exception.closes,
            "reason": exception.reason,
        }
        for exception in sorted(exceptions, key=lambda exception: exception.start_date)
    ]


def settings_out(request, settings: LibrarySettings) -> dict:
    return {
        "library_name": settings.library_name,
        "address": settings.address,
        "phone": settings.phone,
        "email": settings.email,
        "opening_hours": opening_hours(settings),
        "opening_exceptions": opening_exceptions(settings),
        "icp_number": settings.icp_number,
        "public_security_number": settings.public_security_number,
        "wechat_account_name": settings.wechat_account_name,
        "wechat_qr": image_out(request, settings.wechat_qr_code, settings.wechat_account_name),
        "footer_text": settings.footer_text,
    }


def notice_out(request, root: Page) -> dict | None:
    """The home page's notice if it is shown now; a link to a page the reader may not see is dropped."""
    home = root.specific
    if not isinstance(home, HomePage) or not home.notice_is_active():
        return None
    if home.notice_link_page_id:
        page = public_pages(request).filter(pk=home.notice_link_page_id).first()
        ref = page_ref(request, page)
        return {"text": home.notice_text, "url": ref["url"] if ref else None, "page": ref}
    return {"text": home.notice_text, "url": home.notice_link_url or None, "page": None}


@router.get("/", response=responses(NavigationOut), summary="Navigation and site settings", operation_id="navigation")
def navigation(request):
    """Everything the frame of every page needs, in one call, for the site of the request's host (or
    `?site=`): the site, its menu tree, the library's settings (contact, opening hours, upcoming
    exceptions, filing numbers, WeChat) and the home page's notice banner when it is shown now."""
    reject_unknown_params(request, set())
    site = request_site(request)
    root = site.root_page
    # Read only: a site without saved settings shows empty ones rather than creating a row on a GET.
    settings = LibrarySettings.objects.filter(site=site).select_related("wechat_qr_code").first()
    return {
        "site": {
            "id": site.pk,
            "hostname": site.hostname,
            "port": site.port,
            "site_name": site.site_name,
            "root": page_ref(request, root),
        },
        "menu": menu_tree(request, root),
        "settings": settings_out(request, settings or LibrarySettings(site=site)),
        "notice": notice_out(request, root),
    }
