"""Our WeChat API client against the simulator: tokens, errors, uploads, draft box, publishing."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import xmltodict
from django.core.cache import cache
from django.utils import translation
from freezegun import freeze_time
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from tests.wechat.conftest import CLIENT_TIMEOUT
from tests.wechat.simulator import make_image
from wechat import limits
from wechat.client import PublishStatus, WeChatApi
from wechat.errors import (
    WeChatPermanentError,
    WeChatTokenError,
    WeChatTransientError,
    WeChatUnauthorizedError,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def in_chinese(error):
    """The editors' message of `error` as they read it."""
    with translation.override("zh-hans"):
        return str(error.message)


def article(api, **fields):
    """A valid draft article with a permanent cover and one body image, overridden by `fields`."""
    cover = api.add_permanent_image(make_image("JPEG"), "cover.jpg")
    image_url = api.upload_body_image(make_image("PNG"), "figure.png")
    return {
        "title": "县图书馆举办读书月活动",
        "author": "办公室",
        "digest": "四月读书月，欢迎读者参加。",
        "content": f'<p>活动内容。</p><p><img src="{image_url}"></p>',
        "content_source_url": "https://library.example.cn/news/2025/reading-month/",
        "thumb_media_id": cover,
        **fields,
    }


def temporary_image(sim):
    """A temporary media_id (media/upload), obtained the way another program on the account could."""
    token = requests.post(
        f"{sim.base_url}/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": sim.app_id, "secret": sim.app_secret},
        timeout=5,
    ).json()["access_token"]
    answer = requests.post(
        f"{sim.base_url}/cgi-bin/media/upload",
        params={"access_token": token, "type": "image"},
        files={"media": ("cover.jpg", make_image("JPEG"), "image/jpeg")},
        timeout=5,
    ).json()
    return answer["media_id"]


# --- access token ---------------------------------------------------------------------


def test_token_is_fetched_once_and_reused(wechat_sim, wechat_api):
    wechat_api.batchget_published(count=1)
    wechat_api.batchget_published(count=1)
    WeChatApi.from_settings(timeout=CLIENT_TIMEOUT).batchget_published(count=1)  # another worker

    token_calls = wechat_sim.calls_to("stable_token")
    assert len(token_calls) == 1
    assert token_calls[0].json == {
        "grant_type": "client_credential",
        "appid": wechat_sim.app_id,
        "secret": wechat_sim.app_secret,
        "force_refresh": False,
    }
    assert wechat_sim.calls_to("token") == []


def test_eight_concurrent_workers_cause_one_token_fetch(wechat_sim, wechat_settings):
    """Each thread has its own client and its own cache connection (Redis when REDIS_URL is set)."""
    wechat_sim.slow("stable_token", 0.3)  # long enough for every worker to find no token yet
    start = threading.Barrier(8)
    results, failures = [], []

    def worker():
        try:
            api = WeChatApi.from_settings(timeout=CLIENT_TIMEOUT)
            start.wait()
            results.append(api.batchget_published(count=1)["total_count"])
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            failures.append(exc)
        finally:
            cache.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert results == [0] * 8
    assert len(wechat_sim.calls_to("stable_token")) == 1
    assert len(wechat_sim.calls_to("freepublish/batchget")) == 8


def test_legacy_token_endpoint_is_never_called(wechat_sim, wechat_api):
    wechat_api.check_connection()
    wechat_api.add_draft(article(wechat_api))
    assert wechat_sim.calls_to("token") == []


@pytest.mark.parametrize("errcode", [42001, 40001, 40014])
def test_refused_token_is_forced_once_and_the_call_succeeds(wechat_sim, wechat_api, errcode):
    wechat_api.batchget_published(count=1)
    wechat_sim.inject("freepublish/batchget", errcode)

    assert wechat_api.batchget_published(count=1)["total_count"] == 0

    # A normal fetch gave back the refused token, so one force refresh replaced it.
    assert len(wechat_sim.forced_token_calls()) == 1
    assert len(wechat_sim.calls_to("freepublish/batchget")) == 3
    token_calls = len(wechat_sim.calls_to("stable_token"))
    wechat_api.batchget_published(count=1)  # the new token is shared and kept
    assert len(wechat_sim.calls_to("stable_token")) == token_calls


def test_token_expired_at_wechat_is_renewed_without_spending_a_force_refresh(wechat_sim, wechat_api):
    wechat_api.batchget_published(count=1)
    wechat_sim.advance(7200)  # WeChat's clock passes the token's end before our cache lets it go

    wechat_api.batchget_published(count=1)

    assert wechat_sim.forced_token_calls() == []
    assert len(wechat_sim.calls_to("stable_token")) == 2


def test_no_second_force_refresh_within_30_seconds(wechat_sim, wechat_api):
    wechat_sim.inject("freepublish/batchget", 40001)
    wechat_api.batchget_published(count=1)
    wechat_sim.inject("freepublish/batchget", 40001)

    with pytest.raises(WeChatTokenError) as raised:
        wechat_api.batchget_published(count=1)

    assert len(wechat_sim.forced_token_calls()) == 1
    assert CJK.search(in_chinese(raised.value))


def test_force_refreshes_stop_at_twenty_a_day(wechat_sim, wechat_api):
    with freeze_time("2025-04-07 09:00:00+08:00", tick=True) as clock:
        for _ in range(limits.FORCE_REFRESH_PER_DAY):
            wechat_sim.inject("freepublish/batchget", 42001)
            wechat_api.batchget_published(count=1)
            clock.tick(limits.FORCE_REFRESH_MIN_INTERVAL_SECONDS + 1)
        wechat_sim.inject("freepublish/batchget", 42001)

        with pytest.raises(WeChatTokenError) as raised:
            wechat_api.batchget_published(count=1)

    assert len(wechat_sim.forced_token_calls()) == limits.FORCE_REFRESH_PER_DAY
    assert "20" in in_chinese(raised.value)


def test_check_connection_reports_a_wrong_secret(wechat_sim, wechat_settings):
    api = WeChatApi(wechat_sim.app_id, "not-the-secret", timeout=CLIENT_TIMEOUT)

    with pytest.raises(WeChatUnauthorizedError) as raised:
        api.check_connection()

    assert raised.value.errcode == 40125
    assert "AppSecret" in in_chinese(raised.value)


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "times", "error_class", "errcode", "words"),
    [
        (-1, 1, WeChatTransientError, -1, "繁忙"),
        (45009, 1, WeChatTransientError, 45009, "频繁"),
        (42001, 2, WeChatTokenError, 42001, "access_token"),
        (48001, 1, WeChatUnauthorizedError, 48001, "认证"),
        (40007, 1, WeChatPermanentError, 40007, "封面"),
        ("timeout", 1, WeChatTransientError, None, "超时"),
        ("http_500", 1, WeChatTransientError, None, "服务器"),
    ],
)
def test_each_fault_maps_to_its_error_class(wechat_sim, wechat_api, fault, times, error_class, errcode, words):
    wechat_api.check_connection()
    wechat_sim.inject("freepublish/get", fault, times)

    with pytest.raises(error_class) as raised:
        wechat_api.get_publish_status("2247503051")

    assert raised.value.errcode == errcode
    assert raised.value.errmsg
    assert words in in_chinese(raised.value)


def test_errors_tell_whether_to_retry():
    """Token errors are transient (retry later); unauthorized ones are permanent (an administrator acts)."""
    assert issubclass(WeChatTokenError, WeChatTransientError)
    assert issubclass(WeChatUnauthorizedError, WeChatPermanentError)
    assert not issubclass(WeChatPermanentError, WeChatTransientError)


# --- images -------------------------------------------------------------------------------


def test_body_image_is_uploaded_and_served(wechat_sim, wechat_api):
    data = make_image("PNG")
    url = wechat_api.upload_body_image(data, "figure.png")

    assert requests.get(url, timeout=5).content == data


def test_body_image_is_named_by_its_real_format(wechat_sim, wechat_api):
    wechat_api.upload_body_image(make_image("JPEG"), "scan.png")

    assert wechat_sim.calls_to("media/uploadimg")[0].files["media"][:2] == ("scan.jpg", "image/jpeg")


@pytest.mark.parametrize(
    ("data", "errcode"),
    [
        (make_image("GIF"), 40005),
        (make_image("BMP"), 40005),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 40005),
        (make_image("PNG", pad_to=limits.BODY_IMAGE_BYTE_LIMIT), 40009),
    ],
)
def test_body_images_other_than_small_jpg_or_png_are_refused_before_calling(wechat_sim, wechat_api, data, errcode):
    with pytest.raises(WeChatPermanentError) as raised:
        wechat_api.upload_body_image(data, "figure.gif")

    assert raised.value.errcode == errcode
    assert CJK.search(in_chinese(raised.value))
    assert wechat_sim.calls_to("media/uploadimg") == []


def test_cover_is_a_permanent_image(wechat_sim, wechat_api):
    media_id = wechat_api.add_permanent_image(make_image("GIF"), "cover.gif")

    assert media_id in wechat_sim.materials
    assert wechat_sim.calls_to("media/upload") == []


# --- draft box and publishing ---------------------------------------------------------------


def test_draft_is_updated_published_and_its_url_reported(wechat_sim, wechat_api):
    media_id = wechat_api.add_draft(article(wechat_api))
    updated = article(wechat_api, title="县图书馆读书月活动圆满结束")
    wechat_api.update_draft(media_id, updated)
    publish_id = wechat_api.submit_publish(media_id)

    assert wechat_api.get_publish_status(publish_id)["publish_status"] == PublishStatus.PUBLISHING

    wechat_sim.finish_publish(publish_id, status=0)
    status = wechat_api.get_publish_status(publish_id)

    assert status["publish_status"] == PublishStatus.SUCCESS
    assert status["article_detail"]["count"] == 1
    url = status["article_detail"]["item"][0]["article_url"]
    assert "县图书馆读书月活动圆满结束" in requests.get(url, timeout=5).text
    published = wechat_api.get_article(status["article_id"])["news_item"][0]
    assert (published["title"], published["url"]) == ("县图书馆读书月活动圆满结束", url)
    # draft/update carries one article object, as WeChat documents it
    assert wechat_sim.calls_to("draft/update")[0].json["articles"]["title"] == "县图书馆读书月活动圆满结束"
    assert wechat_sim.calls_to("material/add_news") == []
    assert wechat_sim.calls_to("token") == []


def test_temporary_media_as_cover_is_refused_with_40007(wechat_sim, wechat_api):
    with pytest.raises(WeChatPermanentError) as raised:
        wechat_api.add_draft(article(wechat_api, thumb_media_id=temporary_image(wechat_sim)))

    assert raised.value.errcode == 40007
    assert "永久" in in_chinese(raised.value)


def test_updating_an_unknown_draft_is_refused_with_40007(wechat_sim, wechat_api):
    with pytest.raises(WeChatPermanentError) as raised:
        wechat_api.update_draft("no-such-draft", article(wechat_api))

    assert raised.value.errcode == 40007


@pytest.mark.parametrize(
    ("field", "value", "errcode"),
    [
        ("title", "读" * (limits.TITLE_MAX_CHARS + 1), 45003),
        ("author", "读" * (limits.AUTHOR_MAX_CHARS + 1), 45110),
        ("digest", "读" * (limits.DIGEST_MAX_CHARS + 1), 45004),
        ("content", "读" * limits.CONTENT_CHAR_LIMIT, 45002),
    ],
)
def test_article_over_a_limit_is_refused_before_calling(wechat_sim, wechat_api, field, value, errcode):
    draft = article(wechat_api, **{field: value})

    with pytest.raises(WeChatPermanentError) as raised:
        wechat_api.add_draft(draft)

    assert raised.value.errcode == errcode
    assert CJK.search(in_chinese(raised.value))
    assert wechat_sim.calls_to("draft/add") == []


@pytest.mark.parametrize(
    ("field", "length", "errcode"),
    [("title", 33, 45003), ("author", 17, 45110), ("digest", 129, 45004), ("content", 20_000, 45002)],
)
def test_simulator_applies_the_documented_limits(wechat_sim, wechat_api, field, length, errcode):
    """The simulator's own reading of the documentation, independent of wechat/limits.py."""
    draft = article(wechat_api, **{field: "读" * length})
    token = requests.post(
        f"{wechat_sim.base_url}/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": wechat_sim.app_id, "secret": wechat_sim.app_secret},
        timeout=5,
    ).json()["access_token"]
    answer = requests.post(
        f"{wechat_sim.base_url}/cgi-bin/draft/add",
        params={"access_token": token},
        json={"articles": [draft]},
        timeout=5,
    ).json()

    assert answer["errcode"] == errcode


def test_publishing_needs_a_verified_account(wechat_sim, wechat_api):
    media_id = wechat_api.add_draft(article(wechat_api))
    wechat_sim.verified = False

    with pytest.raises(WeChatUnauthorizedError) as raised:
        wechat_api.submit_publish(media_id)

    assert raised.value.errcode == 48001
    assert "认证" in in_chinese(raised.value)


def test_publish_status_queries_stop_at_100_a_day(wechat_sim, wechat_api):
    publish_id = wechat_api.submit_publish(wechat_api.add_draft(article(wechat_api)))
    for _ in range(limits.PUBLISH_STATUS_QUERIES_PER_DAY):
        wechat_api.get_publish_status(publish_id)

    with pytest.raises(WeChatTransientError) as raised:
        wechat_api.get_publish_status(publish_id)

    assert raised.value.errcode == 45009


def test_publish_result_is_pushed_encrypted_to_the_callback(wechat_sim, wechat_api):
    received = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"success")

        def log_message(self, format, *args):
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        wechat_sim.callback_url = f"http://127.0.0.1:{receiver.server_address[1]}/wechat/callback/"
        publish_id = wechat_api.submit_publish(wechat_api.add_draft(article(wechat_api)))
        job = wechat_sim.finish_publish(publish_id)
    finally:
        receiver.shutdown()
        receiver.server_close()

    path, body = received[0]
    query = dict(pair.split("=", 1) for pair in path.partition("?")[2].split("&"))
    check_signature(wechat_sim.callback_token, query["signature"], query["timestamp"], query["nonce"])
    assert query["encrypt_type"] == "aes"
    crypto = WeChatCrypto(wechat_sim.callback_token, wechat_sim.aes_key, wechat_sim.app_id)
    plain = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    event = xmltodict.parse(plain)["xml"]
    assert event["Event"] == "PUBLISHJOBFINISH"
    info = event["PublishEventInfo"]
    assert (info["publish_id"], info["publish_status"], info["article_id"]) == (publish_id, "0", job["article_id"])
    assert info["article_detail"]["item"]["article_url"].startswith(wechat_sim.base_url)
    assert wechat_sim.pushes == [(200, "success")]


# --- published articles and mass send ---------------------------------------------------------


def test_published_articles_are_listed_with_their_images(wechat_sim, wechat_api):
    article_id = wechat_sim.seed_published_article("2024年工作总结", paragraphs=["全年接待读者十万人次。"], images=2)

    page = wechat_api.batchget_published(offset=0, count=20)

    assert (page["total_count"], page["item_count"]) == (1, 1)
    assert page["item"][0]["article_id"] == article_id
    content = wechat_api.get_article(article_id)["news_item"][0]["content"]
    image_urls = re.findall(r' src="([^"]+)"', content)
    assert len(image_urls) == 2
    assert requests.get(image_urls[0], timeout=5).headers["Content-Type"] == "image/jpeg"
    with pytest.raises(ValueError):
        wechat_api.batchget_published(count=limits.PUBLISHED_BATCH_MAX + 1)


def test_unknown_article_is_refused_with_53600(wechat_sim, wechat_api):
    with pytest.raises(WeChatPermanentError) as raised:
        wechat_api.get_article("no-such-article")

    assert raised.value.errcode == 53600


def test_mass_send_is_once_a_day(wechat_sim, wechat_api):
    assert wechat_api.mass_send_draft(wechat_api.add_draft(article(wechat_api)), client_msg_id="page-42-rev-7")
    assert wechat_sim.mass_sends[0]["mpnews"]["media_id"]

    with pytest.raises(WeChatPermanentError) as raised:
        wechat_api.mass_send_draft(wechat_api.add_draft(article(wechat_api)))

    assert raised.value.errcode == 45028
    assert "群发" in in_chinese(raised.value)
