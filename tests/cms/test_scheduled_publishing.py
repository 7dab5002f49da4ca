"""Scheduled publishing: celery beat runs `publish_scheduled_pages` every minute.

An editor writes a page; a reviewer publishes it with a go-live time in the
future (what the admin's "schedule" does). It stays invisible until the beat
task runs after that time. Expiry works the same way in reverse. The nightly
revision purge and the beat schedule itself are checked at the end.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from cms.celery import app
from cms.tasks import publish_scheduled_pages, purge_old_page_revisions
from news.models import NewsPage
from tests.factories import NewsPageFactory

LIBRARY_TIME = ZoneInfo("Asia/Shanghai")
# 2021-01-01 09:00 in Qianxian: the library's new-year opening notice goes live.
GO_LIVE = datetime.datetime(2021, 1, 1, 9, 0, tzinfo=LIBRARY_TIME)


@pytest.fixture(autouse=True)
def urlconf_loaded():
    # Import the URLconf, and the API schemas it builds, in real time: under
    # freeze_time pydantic would meet freezegun's stand-in date class.
    assert get_resolver().url_patterns


def run_beat_task(task=publish_scheduled_pages):
    # apply() runs the task here, as a worker would, with or without a broker.
    result = task.apply()
    assert result.successful(), result.traceback


def is_served(page):
    return Client().get(page.url).status_code == 200


def test_scheduled_page_goes_live_when_its_time_has_come(news_index, editor, reviewer):
    with freeze_time(GO_LIVE - datetime.timedelta(days=1)) as clock:
        page = NewsPageFactory(parent=news_index, title="元旦开馆通知", date=datetime.date(2021, 1, 1), live=False)
        page.go_live_at = GO_LIVE
        revision = page.save_revision(user=editor)
        revision.publish(user=reviewer)

        page.refresh_from_db()
        assert not page.live
        assert not is_served(page)
        assert NewsPage.objects.get(pk=page.pk).get_latest_revision().approved_go_live_at == GO_LIVE

        run_beat_task()  # a day early: nothing happens
        page.refresh_from_db()
        assert not page.live

        clock.move_to(GO_LIVE + datetime.timedelta(minutes=1))
        run_beat_task()

        page.refresh_from_db()
        assert page.live
        assert page.live_revision == revision
        assert is_served(page)


def test_expired_page_is_taken_down(news_index, reviewer):
    expire_at = datetime.datetime(2021, 2, 1, 0, 0, tzinfo=LIBRARY_TIME)
    with freeze_time(expire_at - datetime.timedelta(days=30)) as clock:
        page = NewsPageFactory(parent=news_index, title="寒假开放时间", date=datetime.date(2021, 1, 2), live=False)
        page.expire_at = expire_at
        page.save_revision(user=reviewer).publish(user=reviewer)
        page.refresh_from_db()
        assert page.live
        assert is_served(page)

        clock.move_to(expire_at + datetime.timedelta(minutes=1))
        run_beat_task()

        page.refresh_from_db()
        assert not page.live
        assert page.expired
        assert not is_served(page)


def test_nightly_purge_drops_old_revisions_but_keeps_the_latest(news_index, editor):
    with freeze_time(timezone.now() - datetime.timedelta(days=400)):
        page = NewsPageFactory(parent=news_index, title="旧闻", live=False)
        page.save_revision(user=editor)
        page.save_revision(user=editor)
    latest = page.save_revision(user=editor)

    run_beat_task(purge_old_page_revisions)

    assert list(page.revisions.all()) == [latest]


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_beat_schedule_names_a_registered_task(entry):
    # What a worker or beat does at start-up: import every app's tasks module.
    app.loader.import_default_modules()

    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks
