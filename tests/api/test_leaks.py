"""No anonymous endpoint shows a page readers may not see: the leak matrix, and preview tokens.

A "hidden" page is built in one state (draft, scheduled, expired, privacy
restricted on itself or on an ancestor section...) and every anonymous endpoint
is asked about it: its id and title, its address and its images must appear
nowhere in the answer, and the endpoints that name it (detail, find) give 404.
The same page, live and public, is served by every one of those endpoints
(`test_live_public_page_is_served`), so each row of the matrix can fail.

The hidden page is of the kind the endpoint lists: a news item (news, pages,
navigation), an annual report (reports) or a chronicle entry (chronicle, a
report's chronicle). Its section (its column, yearbook or report) is where the
ancestor's view restriction goes. "referrer" endpoints show a public news item
whose body links to the hidden page and lists it as related.
"""

import datetime
import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import wagtail_factories
from django.contrib.auth.models import Group
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import Page, PageViewRestriction, Site, get_page_models
from wagtail.test.utils.form_data import querydict_from_html

from cms.pages import PREVIEW_CACHE_PREFIX, issue_preview_token
from news.models import NewsPage, NewsPageRelatedPage
from tests.api.conftest import publish
from tests.factories import (
    AnnualReportPageFactory,
    ChronicleEntryPageFactory,
    HomePageFactory,
    KeyFigureFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
    YearbookIndexPageFactory,
)

HIDDEN_TITLES = {"news": "秘密采购计划草案", "report": "2019年内部工作年报", "entry": "秘密人事调整"}
HIDDEN_SLUG = "secret-page"  # ASCII, so its address is easy to find in any answer
SECRET_IMAGES = ["secret-cover", "secret-block", "secret-inline"]
OTHER_HOST = "other-library.example"
PAGE_LABELS = {model._meta.label for model in get_page_models()}
# Keys of the API's non-page objects that carry an "id" (images, documents, categories).
NON_PAGE_KEYS = {"renditions", "file_extension", "slug", "download_url"}


# --- The hidden page, in each state ------------------------------------------------


@dataclass
class Scene:
    hidden: Page
    hidden_id: int
    title: str
    path: str  # the hidden page's address on the first site, from before its state was applied
    section: Page
    referrer: NewsPage | None = None


def _image(name):
    return wagtail_factories.ImageFactory(title=f"{name} 图片", file__filename=f"{name}.png")


def _restrict(page, restriction_type):
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=restriction_type, password="library-secret"
    )
    if restriction_type == PageViewRestriction.GROUPS:
        restriction.groups.set([Group.objects.get(name="编辑")])


def _second_site(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, OTHER_HOST]
    home = HomePageFactory(parent=Page.get_first_root_node(), title="礼泉县图书馆首页")
    Site.objects.create(hostname=OTHER_HOST, port=80, root_page=home, site_name="礼泉县图书馆")
    column = NewsIndexPageFactory(parent=home, title="馆内新闻")
    yearbook = YearbookIndexPageFactory(parent=home, title="年度报告")
    report = AnnualReportPageFactory(parent=yearbook, year=2018)
    return {"news": column, "report": yearbook, "entry": report}


def _apply(state, page, section, settings):
    """Put the (unpublished) `page` into `state`; `section` is its public parent."""
    if state == "draft":
        page.save_revision()
        return
    if state == "scheduled":
        page.go_live_at = timezone.now() + datetime.timedelta(days=7)
        page.save_revision().publish()
        page.refresh_from_db()
        assert not page.live and page.latest_revision.approved_go_live_at > timezone.now()
        return
    page = publish(page)
    if state == "expired":
        # As the page is between its expiry time and the scheduler's next run.
        Page.objects.filter(pk=page.pk).update(expire_at=timezone.now() - datetime.timedelta(hours=1))
        assert Page.objects.get(pk=page.pk).live
    elif state == "unpublished":
        page.unpublish()
        assert not Page.objects.get(pk=page.pk).live
    elif state == "unpublished_ancestor":
        # As the admin's unpublish does when the editor leaves "unpublish the pages below" unticked.
        Page.objects.get(pk=section.pk).specific.unpublish()
        assert Page.objects.get(pk=page.pk).live
    elif state == "expired_ancestor":
        Page.objects.filter(pk=section.pk).update(expire_at=timezone.now() - datetime.timedelta(hours=1))
    elif state.startswith(("password", "login", "group")):
        kind, _, where = state.partition("_")
        restriction_type = {
            "password": PageViewRestriction.PASSWORD,
            "login": PageViewRestriction.LOGIN,
            "group": PageViewRestriction.GROUPS,
        }[kind]
        _restrict(section if where == "ancestor" else page, restriction_type)
    elif state == "deleted":
        page.delete()
    elif state == "other_site":
        parent = _second_site(settings)[_kind_of(page)]
        Page.objects.get(pk=page.pk).move(parent, pos="last-child")
    else:
        assert state == "public", state


def _kind_of(page):
    return {"NewsPage": "news", "AnnualReportPage": "report", "ChronicleEntryPage": "entry"}[type(page).__name__]


@pytest.fixture(autouse=True)
def fresh_api_cache(settings):
    """Answers stored by earlier tests are not this test's, and the matrix is not rate limited."""
    settings.API_CACHE_KEY_PREFIX = f"test-leaks-{uuid.uuid4().hex}"
    settings.API_RATE_LIMIT_PER_MINUTE = 0


@pytest.fixture
def scene(site_tree, settings, tmp_path):
    """Build the hidden page of `kind` in `state`: scene(kind, state) -> Scene."""
    settings.MEDIA_ROOT = tmp_path

    def build(kind, state):
        referrer = None
        if kind in ("news", "referrer"):
            section = NewsIndexPageFactory(parent=site_tree["home"], title="馆务公开", show_in_menus=True)
            publish(section)
            inline = _image("secret-inline")
            hidden = NewsPageFactory(
                parent=section,
                title=HIDDEN_TITLES["news"],
                slug=HIDDEN_SLUG,
                live=False,
                show_in_menus=True,
                date=datetime.date(2020, 5, 1),
                cover_image=_image("secret-cover"),
                body=[
                    ("image", {"image": _image("secret-block"), "caption": "", "alt_text": ""}),
                    ("paragraph", f'<p>正文<embed embedtype="image" id="{inline.pk}" format="fullwidth" alt=""/></p>'),
                ],
            )
        elif kind == "report":
            section = YearbookIndexPageFactory(parent=site_tree["home"], title="内部年报", show_in_menus=True)
            publish(section)
            hidden = AnnualReportPageFactory(
                parent=section, year=2019, title=HIDDEN_TITLES["report"], slug=HIDDEN_SLUG, live=False
            )
            KeyFigureFactory(report=hidden, label="秘密经费", value=1, unit="元", sort_order=0)
        else:
            section = publish(AnnualReportPageFactory(parent=site_tree["yearbook"], year=2018))
            hidden = ChronicleEntryPageFactory(
                parent=section, sequence_number=9, title=HIDDEN_TITLES["entry"], slug=HIDDEN_SLUG, live=False
            )
        if kind == "referrer":
            referrer = site_tree["news"][0]
            referrer.body = [("paragraph", f'<p>另见<a linktype="page" id="{hidden.pk}">相关链接</a>。</p>')]
            referrer.related_pages = [NewsPageRelatedPage(page=hidden)]
            referrer = publish(referrer)
        path = hidden.get_url_parts()[2]
        hidden_id, title = hidden.pk, hidden.title
        _apply(state, hidden, section, settings)
        return Scene(hidden, hidden_id, title, path, section, referrer)

    return build


# --- Endpoints ---------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    kind: str  # the hidden page it is asked about: news, report, entry, referrer
    url: str  # formatted with the Scene's fields: {hidden_id}, {path}, {section.pk}, {referrer.pk}
    names_hidden_page: bool = False  # a detail or find: 404 when the page is hidden
    shows_images: bool = False  # its answer for the live page includes the images


ENDPOINTS = {
    "v3 news list": Endpoint("news", "/api/v3/news/?limit=100", shows_images=True),
    "v3 news detail": Endpoint("news", "/api/v3/news/{hidden_id}/", names_hidden_page=True, shows_images=True),
    "v3 reports list": Endpoint("report", "/api/v3/reports/?limit=100"),
    "v3 report detail": Endpoint("report", "/api/v3/reports/2019/", names_hidden_page=True),
    "v3 report's chronicle": Endpoint("entry", "/api/v3/reports/2018/"),
    "v3 chronicle": Endpoint("entry", "/api/v3/chronicle/?limit=100"),
    "v3 navigation menu": Endpoint("news", "/api/v3/navigation/"),
    "v3 pages list": Endpoint("news", "/api/v3/pages/?limit=100"),
    "v3 pages list of reports": Endpoint("report", "/api/v3/pages/?type=yearbook.AnnualReportPage&limit=100"),
    "v3 pages detail": Endpoint("news", "/api/v3/pages/{hidden_id}/", names_hidden_page=True),
    "v3 pages find": Endpoint("news", "/api/v3/pages/find/?html_path={path}", names_hidden_page=True),
    "v3 pages children": Endpoint("news", "/api/v3/pages/?child_of={section.pk}&limit=100"),
    "v2 pages list": Endpoint("news", "/api/v2/pages/?limit=100"),
    "v2 news with all fields": Endpoint("news", "/api/v2/pages/?type=news.NewsPage&fields=*&limit=100"),
    "v2 pages detail": Endpoint("news", "/api/v2/pages/{hidden_id}/", names_hidden_page=True),
    "v2 pages find": Endpoint("news", "/api/v2/pages/find/?html_path={path}", names_hidden_page=True),
    "v2 pages children": Endpoint("news", "/api/v2/pages/?child_of={section.pk}&limit=100"),
    "v2 entries with all fields": Endpoint("entry", "/api/v2/pages/?type=yearbook.ChronicleEntryPage&fields=*"),
    "referrer: v3 news detail": Endpoint("referrer", "/api/v3/news/{referrer.pk}/"),
    "referrer: v3 pages detail": Endpoint("referrer", "/api/v3/pages/{referrer.pk}/"),
    "referrer: v3 pages detail, markdown": Endpoint(
        "referrer", "/api/v3/pages/{referrer.pk}/?rich_text_format=markdown"
    ),
    "referrer: v2 pages detail": Endpoint("referrer", "/api/v2/pages/{referrer.pk}/"),
    "referrer: v2 news with all fields": Endpoint("referrer", "/api/v2/pages/?type=news.NewsPage&fields=*"),
}

HIDDEN_STATES = [
    "draft",
    "scheduled",
    "expired",
    "unpublished",
    "password",
    "login",
    "group",
    "password_ancestor",
    "login_ancestor",
    "group_ancestor",
    "deleted",
    "other_site",
    # The page is live, but its section (column, yearbook, report) is not.
    "unpublished_ancestor",
    "expired_ancestor",
]

# A link to a page that is public on another site is a link readers may follow,
# so the referrer rows do not apply to "other_site".
MATRIX = [
    (state, name)
    for state in HIDDEN_STATES
    for name, endpoint in ENDPOINTS.items()
    if not (state == "other_site" and endpoint.kind == "referrer")
]


def ask(client, endpoint: Endpoint, scene: Scene, **extra):
    """GET the endpoint about `scene`; the status, the JSON (or None) and the answer as text."""
    url = endpoint.url.format(**vars(scene))
    response = client.get(url, follow=True, **extra)
    assert response.status_code < 500, (url, response.content[:500])
    try:
        data = response.json()
    except ValueError:
        data = None
    text = json.dumps(data, ensure_ascii=False) if data is not None else response.content.decode()
    return response.status_code, data, text


def page_ids(data) -> set[int]:
    """Ids of everything in the answer that stands for a page (not its images, documents or categories)."""
    found = set()

    def walk(value):
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if isinstance(value.get("id"), int) and not isinstance(value.get("id"), bool):
                meta = value.get("meta")
                label = meta.get("type") if isinstance(meta, dict) else value.get("type")
                if label in PAGE_LABELS or (label is None and not NON_PAGE_KEYS & value.keys()):
                    found.add(value["id"])
            for item in value.values():
                walk(item)

    walk(data)
    return found


def addresses(text: str) -> bool:
    """True when the answer holds the hidden page's address (its slug), plain or percent-encoded."""
    return f"/{HIDDEN_SLUG}/" in text or quote(f"/{HIDDEN_SLUG}/") in text


@pytest.mark.parametrize("state, endpoint", MATRIX)
def test_hidden_page_never_leaks(api_client, scene, state, endpoint):
    endpoint_ = ENDPOINTS[endpoint]
    kind = "news" if endpoint_.kind == "referrer" else endpoint_.kind
    built = scene(endpoint_.kind, state)
    status, data, text = ask(api_client, endpoint_, built)

    assert HIDDEN_TITLES[kind] not in text
    assert built.hidden_id not in page_ids(data)
    assert not addresses(text), "the hidden page's address is in the answer"
    for image in SECRET_IMAGES:
        assert image not in text
    assert not re.search(rf'linktype="page" id="{built.hidden_id}"', text)
    if state.endswith("_ancestor"):  # the section is hidden too
        assert built.section.title not in text and built.section.pk not in page_ids(data)
    if endpoint_.names_hidden_page:
        assert status == 404
        assert data is not None and data.get("status", 404) == 404


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_live_public_page_is_served(api_client, scene, endpoint):
    """The positive control: every endpoint of the matrix does show the page when it is live and public."""
    endpoint_ = ENDPOINTS[endpoint]
    kind = "news" if endpoint_.kind == "referrer" else endpoint_.kind
    built = scene(endpoint_.kind, "public")
    status, data, text = ask(api_client, endpoint_, built)

    assert status == 200, text[:500]
    if endpoint_.kind == "referrer":
        assert addresses(text), "the link to the live page has lost its address"
        if "markdown" not in endpoint:
            assert built.hidden_id in page_ids(data), "the live page is not among the related pages"
    else:
        assert HIDDEN_TITLES[kind] in text
        assert built.hidden_id in page_ids(data) or endpoint_.names_hidden_page
    if endpoint_.shows_images:
        assert "secret-cover" in text


def test_a_page_moved_to_another_site_is_served_there(api_client, scene):
    built = scene("news", "other_site")
    assert api_client.get(f"/api/v3/news/{built.hidden_id}/").status_code == 404
    response = api_client.get(f"/api/v3/news/{built.hidden_id}/", HTTP_HOST=OTHER_HOST)
    assert response.status_code == 200 and response.json()["title"] == HIDDEN_TITLES["news"]


def test_a_scheduled_change_to_a_live_page_is_not_shown_before_its_time(api_client, site_tree):
    page = site_tree["news"][0]
    page.title = "尚未生效的新标题"
    page.go_live_at = timezone.now() + datetime.timedelta(days=7)
    page.save_revision().publish()
    for url in (f"/api/v3/news/{page.pk}/", f"/api/v3/pages/{page.pk}/", f"/api/v2/pages/{page.pk}/"):
        text = json.dumps(api_client.get(url).json(), ensure_ascii=False)
        assert "世界读书日户外阅读推广活动" in text and "尚未生效的新标题" not in text, url


# --- Preview tokens ------------------------------------------------------------------
#
# The preview endpoint is anonymous too (the front end calls it with the token
# alone): a token shows its own draft, as the editor sees it, and nothing else.

FRONT_END = "https://www.library.example/preview"


def preview_link(response) -> tuple[str, str]:
    """The front end's address in the admin's preview page: (content_type, token)."""
    html = response.content.decode()
    src = re.search(r'<iframe src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert src.startswith(FRONT_END + "?")
    query = parse_qs(urlsplit(src).query)
    return query["content_type"][0], query["token"][0]


def preview_api(client, content_type, token):
    return client.get("/api/v3/preview/", {"content_type": content_type, "token": token})


def edit_form(client, page, **fields):
    """The admin's edit form of `page` as the browser would post it, with `fields` changed."""
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.setdefault("body-count", "0")
    for name, value in fields.items():
        data[name] = value
    return data


def test_editor_previews_unsaved_changes_in_the_front_end(editor_client, api_client, site_tree, settings):
    settings.HEADLESS_PREVIEW_URL = FRONT_END
    page = site_tree["news"][1]
    url = f"/admin/pages/{page.pk}/edit/preview/"
    posted = editor_client.post(url, edit_form(editor_client, page, title="改过还没保存的标题", digest="草稿摘要"))
    assert posted.json()["is_valid"]

    shown = editor_client.get(url, {"in_preview_panel": "true"})
    assert shown.status_code == 200
    content_type, token = preview_link(shown)
    assert content_type == "news.newspage"

    response = preview_api(api_client, content_type, token)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] in ("private, no-store", "no-store, private")
    data = response.json()
    assert (data["id"], data["type"], data["title"], data["digest"]) == (
        page.pk,
        "news.NewsPage",
        "改过还没保存的标题",
        "草稿摘要",
    )
    # The same keys as the live detail endpoint, so the front end renders both alike.
    live = api_client.get(f"/api/v3/news/{page.pk}/").json()
    assert set(live) <= set(data)
    assert live["title"] == "第八届陕西省阅读文化节少儿活动"  # nothing was saved

    # The panel refreshes as the editor types; each refresh replaces the kept page,
    # so the front end's earlier link shows the latest state too.
    editor_client.post(url, edit_form(editor_client, page, title="又改了一次的标题"))
    _, newer_token = preview_link(editor_client.get(url, {"in_preview_panel": "true"}))
    assert preview_api(api_client, content_type, newer_token).json()["title"] == "又改了一次的标题"
    assert preview_api(api_client, content_type, token).json()["title"] == "又改了一次的标题"


def test_preview_of_a_new_page_before_it_is_saved(editor_client, api_client, site_tree, settings):
    settings.HEADLESS_PREVIEW_URL = FRONT_END
    column = site_tree["column"]
    url = f"/admin/pages/add/news/newspage/{column.pk}/preview/"
    response = editor_client.get(f"/admin/pages/add/news/newspage/{column.pk}/")
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.setdefault("body-count", "0")
    data.update({"title": "还没有保存的新通知", "slug": "", "date": "2021-01-01"})
    assert editor_client.post(url, data).json()["is_valid"]
    content_type, token = preview_link(editor_client.get(url))

    data = preview_api(api_client, content_type, token).json()
    assert data["id"] is None and data["title"] == "还没有保存的新通知"
    assert data["column"]["id"] == column.pk


def test_without_a_front_end_the_admin_keeps_the_template_preview(editor_client, site_tree, settings):
    settings.HEADLESS_PREVIEW_URL = ""
    page = site_tree["news"][1]
    url = f"/admin/pages/{page.pk}/edit/preview/"
    editor_client.post(url, edit_form(editor_client, page, title="模板预览"))
    html = editor_client.get(url).content.decode()
    assert "模板预览" in html and "<iframe" not in html


def test_other_page_types_preview_with_their_api_fields(api_client, site_tree):
    report = site_tree["report"]
    report.summary = "草稿里的摘要"
    report.body = [("paragraph", f'<p>见<a linktype="page" id="{site_tree["news"][0].pk}">读书日</a></p>')]
    token = issue_preview_token(report)

    data = preview_api(api_client, "yearbook.annualreportpage", token).json()
    assert (data["id"], data["type"], data["year"], data["summary"]) == (
        report.pk,
        "yearbook.AnnualReportPage",
        2020,
        "草稿里的摘要",
    )
    assert data["key_figures"] == [{"label": "读者活动", "value": "67.00", "unit": "次", "note": ""}]
    assert site_tree["news"][0].url in data["body"][0]["value"]["html"]


def test_a_preview_shows_no_other_draft(api_client, site_tree, news_index):
    other_draft = NewsPageFactory(parent=news_index, title="另一篇未发布的草稿", slug=HIDDEN_SLUG, live=False)
    page = site_tree["news"][0]
    page.body = [("paragraph", f'<p>见<a linktype="page" id="{other_draft.pk}">草稿链接</a></p>')]
    page.related_pages = [NewsPageRelatedPage(page=other_draft)]
    token = issue_preview_token(page)

    response = preview_api(api_client, "news.newspage", token)
    text = json.dumps(response.json(), ensure_ascii=False)
    assert response.status_code == 200 and "草稿链接" in text
    assert "另一篇未发布的草稿" not in text and not addresses(text)
    assert other_draft.pk not in page_ids(response.json())
    assert response.json()["related"] == []


def test_a_token_shows_only_its_own_page(api_client, site_tree):
    news, report = site_tree["news"][0], site_tree["report"]
    news_token, report_token = issue_preview_token(news), issue_preview_token(report)

    # Each token with its own type shows its page, and with another type nothing.
    assert preview_api(api_client, "news.newspage", news_token).json()["id"] == news.pk
    assert preview_api(api_client, "yearbook.annualreportpage", report_token).json()["id"] == report.pk
    assert preview_api(api_client, "yearbook.annualreportpage", news_token).status_code == 404
    # A claim for another page cannot be made without the key: changing it breaks the signature.
    claim = signing.TimestampSigner(salt="cms.headless-preview").unsign_object(news_token)
    forged = signing.TimestampSigner(salt="another salt").sign_object(claim | {"p": report.pk})
    assert preview_api(api_client, "news.newspage", forged).status_code == 403
    body, _, signature = news_token.rpartition(":")
    assert preview_api(api_client, "news.newspage", f"{body}:{signature[::-1]}").status_code == 403


@pytest.mark.parametrize(
    "token, status",
    [("not-a-token", 403), ("", 403), ("a:b:c", 403), ("x" * 150, 403)],
)
def test_a_bad_token_is_a_problem_not_an_error(api_client, site_tree, token, status):
    response = preview_api(api_client, "news.newspage", token)
    assert response.status_code in (status, 422)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


def test_an_expired_token_is_refused(api_client, site_tree, settings):
    assert get_resolver().url_patterns  # the API's schemas are built in real time, not under freeze_time
    token = issue_preview_token(site_tree["news"][0])
    later = timezone.now() + datetime.timedelta(seconds=settings.HEADLESS_PREVIEW_TOKEN_MAX_AGE + 5)
    with freeze_time(later):
        response = preview_api(Client(), "news.newspage", token)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "expired" in response.json()["detail"]


def test_a_forgotten_preview_is_not_found(api_client, site_tree):
    token = issue_preview_token(site_tree["news"][0])
    cache.delete(PREVIEW_CACHE_PREFIX + signing.TimestampSigner(salt="cms.headless-preview").unsign_object(token)["k"])
    response = preview_api(api_client, "news.newspage", token)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
