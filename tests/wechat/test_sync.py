"""Publishing news items to WeChat: outbox, draft and publish, duplicates, faults, results, polling."""

import datetime
from urllib.parse import urlencode

import pytest
import wagtail_factories
from celery.exceptions import Retry
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.celery_conf import broker_unreachable
from tests.factories import NewsPageFactory
from tests.wechat.simulator import make_image
from wechat import events, sync
from wechat.crypto import parse_xml
from wechat.errors import WeChatTransientError
from wechat.models import ArticleSync, SyncRequest, UploadedImage
from wechat.tasks import sync_to_wechat

State = ArticleSync.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def channel(wechat_settings, wechat_sim, news_index):
    """The WeChat channel on, talking to the simulator."""
    return wechat_sim


def news_item(news_index, paragraph="<p>世界读书日当天，图书馆在广场举行户外阅读推广活动。</p>", **fields):
    cover = wagtail_factories.ImageFactory(title="封面", file=ContentFile(make_image("JPEG"), name="cover.jpg"))
    fields = {"publish_to_wechat": True, "cover_image": cover, **fields}
    return NewsPageFactory(parent=news_index, live=False, body=[("paragraph", paragraph)], **fields)


def publish(page, capture):
    with capture(execute=True):
        page.save_revision().publish()
    page.refresh_from_db()
    return ArticleSync.objects.filter(page_id=page.pk).first()


@pytest.fixture
def broker_down(settings):
    """Celery configured with a broker nobody listens on, as when Redis is stopped."""
    with broker_unreachable(settings):
        yield


def parsed_event(sim, publish_id):
    """The PUBLISHJOBFINISH event as the callback view hands it on."""
    sim.message_mode = "plain"
    return parse_xml(sim.publish_event(publish_id)[1])


def push_event(client, sim, publish_id):
    params, body = sim.publish_event(publish_id)
    return client.post(f"/wechat/callback/?{urlencode(params)}", data=body, content_type="text/xml")


def test_published_item_is_drafted_submitted_and_then_published(
    channel, news_index, client, django_capture_on_commit_callbacks
):
    page = news_item(news_index, title="流动图书车开进阳洪镇")
    state = publish(page, django_capture_on_commit_callbacks)

    assert state.state == State.SUBMITTED and state.publish_id and state.media_id
    assert state.synced_revision_id == page.live_revision_id
    [draft] = channel.drafts.values()
    assert draft["articles"][0]["title"] == "流动图书车开进阳洪镇"
    # The cover is a permanent image, so WeChat never refuses it as expired (40007).
    assert len(channel.calls_to("material/add_material")) == 1 and not channel.calls_to("media/upload")
    assert not SyncRequest.objects.exists()

    channel.finish_publish(state.publish_id)
    response = push_event(client, channel, state.publish_id)

    assert response.status_code == 200
    state.refresh_from_db()
    assert state.state == State.PUBLISHED and state.last_error == ""
    assert state.article_url.startswith(f"{channel.base_url}/s/") and state.article_id


def test_resyncing_the_same_revision_makes_no_call(channel, news_index, django_capture_on_commit_callbacks):
    page = news_item(news_index)
    publish(page, django_capture_on_commit_callbacks)
    calls = len(channel.calls)

    assert sync.sync_page(page.pk) == sync.UP_TO_DATE
    assert len(channel.calls) == calls


def test_running_the_task_three_times_gives_one_draft(channel, news_index, django_capture_on_commit_callbacks):
    page = news_item(news_index)
    # The first run fails after the draft was made; the task asks Celery for a retry.
    channel.inject("freepublish/submit", -1)
    state = publish(page, django_capture_on_commit_callbacks)
    assert state.state == State.DRAFTED and "微信" in state.last_error
    assert SyncRequest.objects.filter(page_id=page.pk).exists()

    for _ in range(3):
        sync_to_wechat.delay(page.pk)

    state.refresh_from_db()
    assert state.state == State.SUBMITTED
    assert len(channel.drafts) == 1 and len(channel.calls_to("draft/add")) == 1
    assert not channel.calls_to("draft/update")
    assert len(channel.publish_jobs) == 1
    assert not SyncRequest.objects.exists()


def test_busy_wechat_and_rate_limits_are_retried(channel, news_index, django_capture_on_commit_callbacks):
    assert WeChatTransientError in sync_to_wechat.autoretry_for
    channel.inject("draft/add", -1)
    channel.inject("freepublish/submit", 45009)
    page = news_item(news_index)
    # Eager Celery raises the task's Retry instead of running it again: each call here is one try.
    state = publish(page, django_capture_on_commit_callbacks)
    assert state.state == State.PENDING and state.last_errcode == -1 and "繁忙" in state.last_error
    with pytest.raises(Retry):
        sync_to_wechat.delay(page.pk)
    sync_to_wechat.delay(page.pk)

    state.refresh_from_db()
    assert state.state == State.SUBMITTED and state.last_error == "" and state.last_errcode is None
    assert len(channel.drafts) == 1 and len(channel.calls_to("draft/add")) == 2
    assert not SyncRequest.objects.exists()


def test_unverified_account_fails_with_a_clear_message_and_a_new_revision_updates_the_draft(
    channel, news_index, django_capture_on_commit_callbacks
):
    channel.verified = False
    page = news_item(news_index)
    state = publish(page, django_capture_on_commit_callbacks)

    assert state.state == State.FAILED and state.last_errcode == 48001
    assert "认证" in state.last_error
    assert not SyncRequest.objects.exists()  # recorded for the editors, not retried

    channel.verified = True
    page.title = "读书日活动（更正）"
    state = publish(page, django_capture_on_commit_callbacks)

    assert state.state == State.SUBMITTED
    [draft] = channel.drafts.values()
    assert draft["articles"][0]["title"] == "读书日活动（更正）"
    assert len(channel.calls_to("draft/add")) == 1 and len(channel.calls_to("draft/update")) == 1
    # The cover was uploaded once and found again by its content hash.
    assert len(channel.calls_to("material/add_material")) == 1
    assert UploadedImage.objects.exclude(media_id="").count() == 1


def test_a_revision_after_publication_makes_a_new_draft(
    channel, news_index, client, django_capture_on_commit_callbacks
):
    page = news_item(news_index)
    state = publish(page, django_capture_on_commit_callbacks)
    channel.finish_publish(state.publish_id)
    push_event(client, channel, state.publish_id)

    page.title = "第二篇推送"
    state = publish(page, django_capture_on_commit_callbacks)

    assert state.state == State.SUBMITTED
    assert len(channel.calls_to("draft/add")) == 2 and not channel.calls_to("draft/update")


def test_a_revision_while_publishing_waits_for_the_result(channel, news_index, django_capture_on_commit_callbacks):
    page = news_item(news_index)
    state = publish(page, django_capture_on_commit_callbacks)
    page.title = "修改后的标题"
    publish(page, django_capture_on_commit_callbacks)

    assert SyncRequest.objects.filter(page_id=page.pk).exists()  # waits for the sweep
    assert len(channel.calls_to("draft/update")) == 0

    channel.finish_publish(state.publish_id, status=4)  # rejected by WeChat's review
    events.handle_event(parsed_event(channel, state.publish_id))
    state.refresh_from_db()
    assert state.state == State.REJECTED and "审核" in state.last_error

    SyncRequest.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=5))
    assert sync.sweep() == 1
    state.refresh_from_db()
    assert state.state == State.SUBMITTED and len(channel.calls_to("draft/update")) == 1
    assert channel.drafts[state.media_id]["articles"][0]["title"] == "修改后的标题"


def test_too_long_content_fails_without_calling_wechat(channel, news_index, django_capture_on_commit_callbacks):
    state = publish(news_item(news_index, paragraph=f"<p>{'图' * 25_000}</p>"), django_capture_on_commit_callbacks)

    assert state.state == State.FAILED and "20000" in state.last_error and "正文" in state.last_error
    assert channel.calls == []


def test_missing_cover_fails_without_calling_wechat(channel, news_index, django_capture_on_commit_callbacks):
    state = publish(news_item(news_index, cover_image=None), django_capture_on_commit_callbacks)

    assert state.state == State.FAILED and "封面" in state.last_error
    assert channel.calls == []


def test_items_not_for_wechat_are_left_alone(channel, news_index, django_capture_on_commit_callbacks):
    publish(news_item(news_index, publish_to_wechat=False), django_capture_on_commit_callbacks)

    assert not SyncRequest.objects.exists() and not ArticleSync.objects.exists()
    assert channel.calls == []


def test_nothing_is_queued_while_the_channel_is_off(channel, news_index, settings, django_capture_on_commit_callbacks):
    settings.WECHAT_APP_SECRET = ""
    publish(news_item(news_index), django_capture_on_commit_callbacks)

    assert not SyncRequest.objects.exists() and not ArticleSync.objects.exists()
    assert channel.calls == []


def test_polling_finds_results_the_event_did_not_bring(channel, news_index, django_capture_on_commit_callbacks):
    state = publish(news_item(news_index), django_capture_on_commit_callbacks)
    channel.finish_publish(state.publish_id)  # no callback_url: the event is lost

    assert sync.poll_publish_status() == 0  # too recent: the event may still come
    ArticleSync.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    assert sync.poll_publish_status() == 1

    state.refresh_from_db()
    assert state.state == State.PUBLISHED and state.article_url
    assert len(channel.calls_to("freepublish/get")) == 1


def test_polling_keeps_to_its_daily_budget(channel, news_index, django_capture_on_commit_callbacks):
    state = publish(news_item(news_index), django_capture_on_commit_callbacks)
    ArticleSync.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    cache.set(sync._poll_budget_key(channel.app_id), sync.POLL_BUDGET_PER_DAY)

    assert sync.poll_publish_status() == 0
    assert not channel.calls_to("freepublish/get")
    state.refresh_from_db()
    assert state.state == State.SUBMITTED


@pytest.mark.usefixtures("broker_down")
def test_publish_while_the_broker_is_down_is_synced_by_the_sweep(
    channel, news_index, django_capture_on_commit_callbacks
):
    page = news_item(news_index)
    assert publish(page, django_capture_on_commit_callbacks) is None
    assert SyncRequest.objects.filter(page_id=page.pk).exists()

    assert sync.sweep() == 0  # too recent: its task may still be on the way
    SyncRequest.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=5))
    assert sync.sweep() == 1

    assert ArticleSync.objects.get(page_id=page.pk).state == State.SUBMITTED
    assert len(channel.drafts) == 1 and not SyncRequest.objects.exists()
