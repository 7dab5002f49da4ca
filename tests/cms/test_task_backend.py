"""Wagtail's background work (django-tasks) runs through our Celery backend.

Most tests use the quick-start mode: no broker, Celery runs tasks in-process at
once. CI also sets a broker; these tests then switch Celery to eager themselves
(Celery reads CELERY_* from Django settings as they are now). The last tests
configure a broker and check that work of a rolled-back transaction is never sent.
"""

import contextlib
import datetime
import uuid

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend, task_backends
from django_tasks.exceptions import InvalidTaskError
from django_tasks.signals import task_finished
from modelsearch.tasks import insert_or_update_object_task
from wagtail.models import Page, ReferenceIndex
from wagtail.tasks import update_reference_index_task

from cms.task_backend import CeleryTaskBackend
from tests.cms import djtasks
from tests.factories import CategoryFactory, NewsPageFactory


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def finished_tasks():
    """The results of django tasks our Celery runner finished during the test."""
    finished = []

    def record(sender, task_result, **kwargs):
        finished.append(task_result)

    task_finished.connect(record, sender=CeleryTaskBackend)
    yield finished
    task_finished.disconnect(record, sender=CeleryTaskBackend)


def test_wagtails_tasks_use_the_celery_backend():
    assert isinstance(task_backends["default"], CeleryTaskBackend)
    # default_task_backend is a proxy to it.
    assert isinstance(default_task_backend.enqueue.__self__, CeleryTaskBackend)
    # Wagtail's own tasks were validated by our backend (QUEUES: [] allows every queue).
    assert isinstance(insert_or_update_object_task.get_backend(), CeleryTaskBackend)
    assert isinstance(update_reference_index_task.get_backend(), CeleryTaskBackend)


def test_published_news_is_found_by_admin_search(eager, news_index, finished_tasks):
    page = NewsPageFactory(parent=news_index, title="草稿", live=False)
    page.title = "世界读书日：古籍修复展"

    page.save_revision().publish()

    # Found by its new title: the index followed the publish.
    assert [found.pk for found in Page.objects.live().search("古籍修复展")] == [page.pk]
    assert "modelsearch.tasks.insert_or_update_object_task" in {result.task.module_path for result in finished_tasks}


def test_category_usage_is_listed_after_saving(eager, news_index, finished_tasks):
    category = CategoryFactory(name="读者活动", slug="reader-events")
    page = NewsPageFactory(parent=news_index, category=category)

    usage = ReferenceIndex.get_references_to(category)
    assert [reference.object_id for reference in usage] == [str(page.pk)]
    assert "wagtail.tasks.update_reference_index_task" in {result.task.module_path for result in finished_tasks}


def test_task_runs_at_once_and_returns_its_value(eager):
    key = f"test-{uuid.uuid4().hex}"

    result = djtasks.remember.enqueue(key, {"借阅": 42})

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"借阅": 42}
    assert cache.get(key) == {"借阅": 42}


def test_task_with_run_after_is_accepted(eager):
    key = f"test-{uuid.uuid4().hex}"
    later = djtasks.remember.using(run_after=timezone.now() + datetime.timedelta(hours=1))

    result = later.enqueue(key, "明早")

    # Without a broker nothing waits: the task runs now.
    assert result.return_value == "明早"


def test_task_needs_an_aware_run_after():
    with pytest.raises(InvalidTaskError, match="aware"):
        djtasks.remember.using(run_after=datetime.datetime(2030, 1, 1, 9, 0))


def test_task_on_another_queue_is_accepted(eager):
    result = djtasks.remember.using(queue_name="wechat").enqueue(f"test-{uuid.uuid4().hex}", 1)
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_failing_task_raises_and_is_reported(eager, finished_tasks):
    with pytest.raises(ValueError, match="索引失败"):
        djtasks.fail.enqueue("索引失败")

    [failed] = finished_tasks
    assert failed.status == TaskResultStatus.FAILED
    assert [error.exception_class for error in failed.errors] == [ValueError]
    assert "索引失败" in failed.errors[0].traceback


# --- With a broker: sent on commit, never for a rollback -----------------------


class Rollback(Exception):
    pass


@pytest.fixture
def queue(settings):
    """Celery sends to a broker (the real one when CELERY_BROKER_URL is set), on a queue of this test's own."""
    name = djtasks.new_queue_name()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TASKS = djtasks.tasks_setting(name)
    yield name
    if settings.CELERY_BROKER_URL:
        djtasks.delete_queue(name)


def test_rolled_back_save_sends_nothing(queue, news_index, settings, django_capture_on_commit_callbacks):
    key = f"test-{uuid.uuid4().hex}"
    # Without a real broker, the callbacks are only counted, never run.
    with (
        django_capture_on_commit_callbacks(execute=bool(settings.CELERY_BROKER_URL)) as callbacks,
        contextlib.suppress(Rollback),
        transaction.atomic(),
    ):
        NewsPageFactory(parent=news_index, title="未保存的新闻")
        djtasks.remember.enqueue(key, "未提交")
        raise Rollback

    assert callbacks == []
    assert cache.get(key) is None
    if settings.CELERY_BROKER_URL:
        assert djtasks.waiting_messages(queue) == 0


def test_committed_work_is_sent_on_commit(queue, db, settings, django_capture_on_commit_callbacks):
    key = f"test-{uuid.uuid4().hex}"
    with (
        django_capture_on_commit_callbacks(execute=bool(settings.CELERY_BROKER_URL)) as callbacks,
        transaction.atomic(),
    ):
        result = djtasks.remember.enqueue(key, "已提交")
        assert result.enqueued_at is None  # not sent before the commit

    assert len(callbacks) == 1
    assert cache.get(key) is None  # sent to a broker, not run here
    if settings.CELERY_BROKER_URL:
        assert result.enqueued_at is not None
        assert djtasks.waiting_messages(queue) == 1
