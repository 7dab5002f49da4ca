"""HTTP under /api/: validators and 304s, Cache-Control, the server-side cache and its invalidation, gzip, CORS,
rate limits."""

import datetime
import gzip
import uuid

import pytest
from django.core.cache import cache
from django.utils.http import http_date
from freezegun import freeze_time
from wagtail.models import APIToken

from cms.pages import issue_preview_token
from cms.signals import api_cache_key
from tests.api.conftest import publish
from tests.factories import NewsIndexPageFactory, NewsPageFactory, UserFactory

NEWS = "/api/v3/news/"
FRONT_END = "https://www.qxlib.example"


@pytest.fixture(autouse=True)
def own_api_cache_keys(settings):
    """Each test has its own namespace of API cache keys: no stored answer or request count leaks between tests.

    Rather than cache.clear(), which on a Redis shared with other test runs would wipe theirs too.
    """
    settings.API_CACHE_KEY_PREFIX = f"test-http-{uuid.uuid4().hex}"
    yield
    # The content version is the one key kept without a timeout; the others expire.
    cache.delete(api_cache_key("content"))


@pytest.fixture
def api_token(db):
    user = UserFactory(username="frontend", is_superuser=True, is_staff=True)
    return APIToken.create_token(user=user, name="前端渲染")[1]


def titles(response):
    return [item["title"] for item in response.json()["items"]]


def stored(client, url, **extra):
    """GET `url` twice, so that its answer is stored; return the second answer."""
    client.get(url, **extra)
    response = client.get(url, **extra)
    assert response.status_code == 200 and response["X-Cache"] == "hit"
    return response


def at(moment):
    """Seconds since the epoch of a UTC time like "2030-05-01 08:00:01"."""
    return datetime.datetime.fromisoformat(moment).replace(tzinfo=datetime.UTC).timestamp()


# --- Validators and Cache-Control ------------------------------------------------------


def test_anonymous_read_is_public_with_validators(api_client, site_tree, settings):
    response = api_client.get(NEWS)
    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={settings.API_CACHE_MAX_AGE}"
    assert response["ETag"].startswith('W/"')
    assert response.has_header("Last-Modified")
    assert "Authorization" in response["Vary"]


def test_if_none_match_is_answered_with_304_until_the_content_changes(api_client, site_tree, settings):
    etag = api_client.get(NEWS)["ETag"]
    response = api_client.get(NEWS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == f"public, max-age={settings.API_CACHE_MAX_AGE}"

    publish(NewsPageFactory(parent=site_tree["column"], title="新书推荐：乡土文献", date=datetime.date(2021, 1, 5)))
    response = api_client.get(NEWS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert titles(response)[0] == "新书推荐：乡土文献"


def test_if_modified_since_is_answered_with_304_until_the_content_changes(api_client, site_tree):
    column = site_tree["column"]
    with freeze_time("2030-05-01 08:00:00.300"):
        page = publish(NewsPageFactory(parent=column, title="暑期阅读活动报名", date=datetime.date(2030, 5, 1)))
    with freeze_time("2030-05-01 08:00:30"):
        response = api_client.get(NEWS)
    last_modified = response["Last-Modified"]
    assert last_modified == http_date(at("2030-05-01 08:00:01"))  # the change, to the second, rounded up
    with freeze_time("2030-05-01 08:00:40"):
        response = api_client.get(NEWS, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 304 and response["Last-Modified"] == last_modified

    with freeze_time("2030-05-01 08:01:00"):
        page.unpublish()
    with freeze_time("2030-05-01 08:01:30"):
        response = api_client.get(NEWS, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200 and "暑期阅读活动报名" not in titles(response)
    assert response["Last-Modified"] == http_date(at("2030-05-01 08:01:01"))


def test_a_copy_from_the_second_of_a_change_is_stale_after_another_change_in_that_second(api_client, site_tree):
    column = site_tree["column"]
    with freeze_time("2030-05-01 08:00:00.200"):
        publish(NewsPageFactory(parent=column, title="暑期阅读活动报名", date=datetime.date(2030, 5, 1)))
        copy = api_client.get(NEWS)
        publish(NewsPageFactory(parent=column, title="暑期阅读活动取消", date=datetime.date(2030, 5, 2)))
    with freeze_time("2030-05-01 08:00:30"):
        response = api_client.get(NEWS, HTTP_IF_MODIFIED_SINCE=copy["Last-Modified"])
    assert response.status_code == 200 and titles(response)[0] == "暑期阅读活动取消"


def test_errors_are_neither_stored_nor_shared(api_client, site_tree):
    for url, status in [(f"{NEWS}?limit=0", 422), (f"{NEWS}99999/", 404)]:
        first, second = api_client.get(url), api_client.get(url)
        assert first.status_code == second.status_code == status
        assert first["Content-Type"] == "application/problem+json"
        assert first["Cache-Control"] == "no-cache" and not first.has_header("ETag")
        assert second["X-Cache"] == "miss"


def test_token_requests_are_private_and_never_stored(api_client, site_tree, api_token):
    for url in [NEWS, NEWS, "/api/v3/whoami/"]:
        response = api_client.get(url, HTTP_AUTHORIZATION=f"Bearer {api_token}")
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert not response.has_header("X-Cache") and not response.has_header("ETag")


def test_logged_in_editors_get_private_answers(editor_client, site_tree):
    response = editor_client.get(NEWS)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_preview_answers_are_private(api_client, site_tree):
    page = site_tree["news"][0]
    page.title = "草稿：读书日活动回顾"
    url = f"/api/v3/preview/?content_type=news.newspage&token={issue_preview_token(page)}"
    for _ in range(2):
        response = api_client.get(url)
        assert response.status_code == 200 and response.json()["title"] == "草稿：读书日活动回顾"
        assert response["Cache-Control"] == "private, no-store" and not response.has_header("X-Cache")


# --- The server-side cache ---------------------------------------------------------------


def test_second_identical_request_is_a_hit(api_client, site_tree):
    first, second = api_client.get(NEWS), api_client.get(NEWS)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert api_client.get(f"{NEWS}?limit=1")["X-Cache"] == "miss"
    # A hit is validated as a miss is.
    response = api_client.get(NEWS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (response.status_code, response["X-Cache"]) == (304, "hit")


def test_each_site_has_its_own_answers(api_client, second_site):
    ours = api_client.get(NEWS)
    assert ours.json()["count"] == 3
    for url, extra in [(NEWS, {"HTTP_HOST": "liquan.example"}), (f"{NEWS}?site=liquan.example", {})]:
        theirs = api_client.get(url, HTTP_IF_NONE_MATCH=ours["ETag"], **extra)
        assert (theirs.status_code, theirs["X-Cache"]) == (200, "miss")
        assert theirs.json()["count"] == 0


def test_wagtail_v2_answers_are_stored_and_validated(api_client, site_tree):
    url = "/api/v2/pages/?type=news.NewsPage"
    first = api_client.get(url)
    assert first.status_code == 200 and first.json()["meta"]["total_count"] == 3
    second = api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (second.status_code, second["X-Cache"]) == (304, "hit")
    # v2 answers Accept: text/html with its browsable page, a different answer.
    browsable = api_client.get(url, HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html") and browsable["X-Cache"] == "miss"


def test_publishing_shows_the_new_item_at_once(api_client, site_tree):
    stored(api_client, NEWS)
    publish(NewsPageFactory(parent=site_tree["column"], title="新书推荐：乡土文献", date=datetime.date(2021, 1, 5)))
    response = api_client.get(NEWS)
    assert response["X-Cache"] == "miss"
    assert response.json()["count"] == 4 and titles(response)[0] == "新书推荐：乡土文献"


def test_unpublishing_removes_the_item_at_once(api_client, site_tree):
    page = site_tree["news"][2]
    detail = f"{NEWS}{page.pk}/"
    stored(api_client, NEWS)
    stored(api_client, detail)
    page.unpublish()
    response = api_client.get(NEWS)
    assert response["X-Cache"] == "miss"
    assert response.json()["count"] == 2 and page.title not in titles(response)
    assert api_client.get(detail).status_code == 404


def test_moving_a_page_shows_its_new_place_at_once(api_client, site_tree):
    notices = publish(NewsIndexPageFactory(parent=site_tree["home"], title="通知公告"))
    page = site_tree["news"][0]
    detail = f"{NEWS}{page.pk}/"
    assert stored(api_client, detail).json()["column"]["title"] == "工作动态"
    page.move(notices, pos="last-child")
    response = api_client.get(detail)
    assert response["X-Cache"] == "miss" and response.json()["column"]["title"] == "通知公告"


def test_deleting_a_page_removes_it_at_once(api_client, site_tree):
    page = site_tree["news"][1]
    stored(api_client, NEWS)
    page.delete()
    response = api_client.get(NEWS)
    assert response["X-Cache"] == "miss" and page.title not in titles(response)


def test_renaming_a_category_shows_at_once(api_client, site_tree):
    stored(api_client, NEWS)
    category = site_tree["news"][0].category
    category.name = "全民阅读"
    category.save()
    response = api_client.get(NEWS)
    assert response["X-Cache"] == "miss"
    assert {item["category"]["name"] for item in response.json()["items"]} == {"全民阅读"}


def test_saving_a_draft_keeps_the_stored_answers(api_client, site_tree):
    page = site_tree["news"][0]
    stored(api_client, NEWS)
    page.title = "尚未发布的新标题"
    page.save_revision()
    response = api_client.get(NEWS)
    assert response["X-Cache"] == "hit" and "尚未发布的新标题" not in titles(response)


# --- Compression and CORS --------------------------------------------------------------------


def test_api_answers_are_gzipped_for_clients_that_accept_it(api_client, site_tree):
    plain = api_client.get(NEWS)
    zipped = api_client.get(NEWS, HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert zipped["X-Cache"] == "hit" and zipped["ETag"] == plain["ETag"]
    assert gzip.decompress(zipped.content) == plain.content
    assert not plain.has_header("Content-Encoding")


def test_admin_pages_are_not_gzipped(api_client, db, settings):
    response = api_client.get(f"/{settings.WAGTAILADMIN_PATH}login/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and len(response.content) > 200
    assert not response.has_header("Content-Encoding")


def test_cors_lets_the_front_end_read_and_no_other_origin(api_client, site_tree, settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]
    allowed = api_client.get(NEWS, HTTP_ORIGIN=FRONT_END)
    assert allowed["Access-Control-Allow-Origin"] == FRONT_END
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    # The stored answer carries no CORS headers of its own: another origin's hit gets none.
    other = api_client.get(NEWS, HTTP_ORIGIN="https://elsewhere.example")
    assert other["X-Cache"] == "hit" and not other.has_header("Access-Control-Allow-Origin")

    def preflight(origin):
        return api_client.options(
            NEWS,
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
        )

    response = preflight(FRONT_END)
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == FRONT_END
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "if-none-match" in response["Access-Control-Allow-Headers"]
    assert not preflight("https://elsewhere.example").has_header("Access-Control-Allow-Origin")


# --- Rate limit --------------------------------------------------------------------------------


def test_a_client_over_the_limit_gets_429_until_the_next_minute(api_client, site_tree, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    reader = {"REMOTE_ADDR": "203.0.113.7"}
    with freeze_time("2030-05-01 08:00:45"):
        assert [api_client.get(NEWS, **reader).status_code for _ in range(3)] == [200, 200, 200]
        refused = api_client.get(NEWS, **reader)
        assert refused.status_code == 429
        assert refused["Content-Type"] == "application/problem+json"
        problem = refused.json()
        assert (problem["type"], problem["title"], problem["status"]) == ("about:blank", "Too Many Requests", 429)
        assert "3 requests a minute" in problem["detail"]
        assert refused["Retry-After"] == "15"
        assert refused["Cache-Control"] == "no-cache"
        # Another reader has a count of their own.
        assert api_client.get(NEWS, REMOTE_ADDR="203.0.113.8").status_code == 200
    with freeze_time("2030-05-01 08:01:00"):
        assert api_client.get(NEWS, **reader).status_code == 200


def test_forwarded_for_names_the_client_only_behind_a_trusted_proxy(api_client, site_tree, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    with freeze_time("2030-05-01 08:00:00"):
        # With no trusted proxy, a claimed address is no new client: the count is REMOTE_ADDR's.
        assert api_client.get(NEWS, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 200
        assert api_client.get(NEWS, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 429
        settings.TRUSTED_PROXY_COUNT = 1
        # Behind one proxy the client is the address the proxy added, whatever the client claimed before it.
        assert api_client.get(NEWS, HTTP_X_FORWARDED_FOR="198.51.100.3", **proxy).status_code == 200
        assert api_client.get(NEWS, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.3", **proxy).status_code == 429
        assert api_client.get(NEWS, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy).status_code == 200


def test_token_requests_are_not_limited(api_client, site_tree, settings, api_token):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    with freeze_time("2030-05-01 08:00:00"):
        statuses = [api_client.get(NEWS, HTTP_AUTHORIZATION=f"Bearer {api_token}").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        # A token that is not one is an anonymous request, and counted.
        statuses = [api_client.get(NEWS, HTTP_AUTHORIZATION="Bearer wagtail_forged").status_code for _ in range(2)]
        assert statuses == [200, 429]
