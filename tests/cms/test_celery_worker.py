"""A real Celery worker on the real Redis broker runs our tasks and Wagtail's.

The worker runs in a thread of the test process (celery.contrib.testing) and
consumes only a queue of this test's own, so other runs on the same broker
neither feed it nor see its tasks. Every task the test sends must have finished
by the end, and the queue and results are then removed from Redis.
"""

import uuid
from types import SimpleNamespace

import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping)
import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from celery.signals import after_task_publish
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_tasks import TaskResultStatus
from wagtail.models import Page, ReferenceIndex

from cms.celery import app
from tests.cms import djtasks
from tests.factories import CategoryFactory, NewsIndexPageFactory, NewsPageFactory

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL, reason="needs a real broker: set CELERY_BROKER_URL (CI sets it)"
    ),
    # The worker thread has its own database connection: it sees only committed
    # rows. serialized_rollback brings back the site tree the migrations made.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT = 30  # seconds; only so that a broken worker cannot hang the suite


@pytest.fixture
def worker(settings):
    """A worker consuming a queue of its own; django tasks of the "default" queue are sent there.

    Yields the queue name and the ids of the tasks sent so far (with their queues).
    """
    queue = djtasks.new_queue_name()
    settings.TASKS = djtasks.tasks_setting(queue)
    # Leave pytest's logging alone, and no remote-control mailbox in Redis.
    settings.CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    settings.CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

    sent = []

    def record(sender, headers, routing_key, **kwargs):
        sent.append((headers["id"], routing_key))

    after_task_publish.connect(record, weak=False)
    try:
        # The built-in ping check would go to the "default" queue, which this worker does not consume.
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
            yield SimpleNamespace(queue=queue, sent=sent)
            strays = [task_id for task_id, routing_key in sent if routing_key != queue]
            assert not strays, f"tasks sent to queues this worker does not consume: {strays}"
            wait_for(sent, propagate=False)
    finally:
        after_task_publish.disconnect(record)
        for task_id, _ in sent:
            AsyncResult(task_id, app=app).forget()
        djtasks.delete_queue(queue)


def wait_for(sent, propagate=True):
    """Wait until the worker has run every task in `sent`."""
    for task_id, _ in sent:
        AsyncResult(task_id, app=app).get(timeout=TIMEOUT, propagate=propagate)


def test_celery_task_runs_through_the_broker(worker):
    result = celery.contrib.testing.tasks.ping.apply_async(queue=worker.queue)

    assert result.get(timeout=TIMEOUT) == "pong"


def test_django_task_runs_on_the_worker_and_its_result_is_stored(worker):
    key = f"test-{uuid.uuid4().hex}"

    result = djtasks.remember.enqueue(key, {"到馆人次": 1200})
    AsyncResult(result.id, app=app).get(timeout=TIMEOUT)
    result.refresh()  # read back through our backend from the Redis result backend

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"到馆人次": 1200}
    assert result.attempts == 1  # one worker ran it
    assert result.finished_at is not None
    assert cache.get(key) == {"到馆人次": 1200}


def test_failed_django_task_is_reported_with_its_error(worker):
    result = djtasks.fail.enqueue("微信接口超时")
    AsyncResult(result.id, app=app).get(timeout=TIMEOUT, propagate=False)

    stored = djtasks.fail.get_result(result.id)

    assert stored.status == TaskResultStatus.FAILED
    assert [error.exception_class for error in stored.errors] == [ValueError]
    assert "微信接口超时" in stored.errors[0].traceback


def test_wagtail_indexes_a_saved_page_on_the_worker(worker, home_page):
    # Wagtail's index tasks are sent when this transaction commits, and run on the worker.
    with transaction.atomic():
        news_index = NewsIndexPageFactory(parent=home_page, title="工作动态")
        category = CategoryFactory(name="讲座", slug="lectures")
        page = NewsPageFactory(parent=news_index, title="乾县图书馆：古籍保护讲座", category=category)
        assert worker.sent == []
    wait_for(worker.sent)

    assert [found.pk for found in Page.objects.live().search("古籍保护讲座")] == [page.pk]
    assert [reference.object_id for reference in ReferenceIndex.get_references_to(category)] == [str(page.pk)]


def test_a_published_page_becomes_findable_through_the_worker(worker, home_page):
    # Our search index task goes to this worker's queue too (production routes it to "default").
    def route(routes):
        app.conf.task_routes = routes
        app.amqp.flush_routes()
        app.amqp.router = app.amqp.Router()  # the router keeps the routes it was made with

    saved = app.conf.task_routes
    route({"search.tasks.*": {"queue": worker.queue}})
    try:
        news_index = NewsIndexPageFactory(parent=home_page, title="工作动态")
        page = NewsPageFactory(parent=news_index, title="视障服务进社区", live=False)
        page.save_revision().publish()  # commits; the outbox row's task is sent then
        wait_for(worker.sent)
    finally:
        route(saved)

    from search.engine import SearchRequest, get_engine
    from search.models import PendingIndexUpdate

    results = get_engine().search(SearchRequest(q="视障服务", site_id=home_page.get_site().pk))
    assert [hit.page_id for hit in results.hits] == [page.pk]
    assert not PendingIndexUpdate.objects.exists()
