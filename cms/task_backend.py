"""A django-tasks backend that runs Wagtail's background work on our Celery workers.

Wagtail 8 queues its own work (search index updates, reference index, image
focal points) through the django-tasks API. The published `django-tasks-celery`
bridge needs Python 3.12; this backend is the small piece of it we need on 3.11:
`enqueue` sends one generic Celery task (`cms.tasks.run_django_task`) carrying the
django task's import path and JSON arguments, so there is one queue system, one
set of workers and one place to monitor.

With a broker, a task enqueued inside a database transaction is sent only when
the transaction commits, so a worker never looks for a row that is not there yet
(and nothing is sent for a transaction that rolls back). Without a broker Celery
runs eagerly and the task runs at once, like django-tasks' ImmediateBackend; a
failure then propagates to the caller (CELERY_TASK_EAGER_PROPAGATES).
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_module_path, get_random_id

# Celery states mapped onto django-tasks' statuses.
CELERY_STATES = {
    "PENDING": TaskResultStatus.READY,
    "RECEIVED": TaskResultStatus.READY,
    "RETRY": TaskResultStatus.READY,
    "STARTED": TaskResultStatus.RUNNING,
    "SUCCESS": TaskResultStatus.SUCCESSFUL,
    "FAILURE": TaskResultStatus.FAILED,
    "REVOKED": TaskResultStatus.FAILED,
}


class CeleryTaskBackend(BaseTaskBackend):
    """Enqueue django-tasks onto Celery (options: ``QUEUE_MAP`` maps task queue names to Celery queues)."""

    supports_defer = True
    supports_async_task = False
    supports_priority = False

    @property
    def supports_get_result(self):
        # Eager runs store nothing; results come from Celery's result backend.
        return bool(settings.CELERY_RESULT_BACKEND) and not settings.CELERY_TASK_ALWAYS_EAGER

    def _celery_queue(self, queue_name):
        return self.options.get("QUEUE_MAP", {}).get(queue_name, settings.CELERY_TASK_DEFAULT_QUEUE)

    def enqueue(self, task, args, kwargs):
        """Send `task` to Celery: at once when eager, else when the current transaction commits.

        ``run_after`` becomes Celery's ``eta``; an eager run ignores it and runs now.
        """
        from cms.tasks import run_django_task

        self.validate_task(task)
        task_result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        eager = settings.CELERY_TASK_ALWAYS_EAGER

        def send():
            object.__setattr__(task_result, "enqueued_at", timezone.now())
            task_enqueued.send(type(self), task_result=task_result)
            celery_result = run_django_task.apply_async(
                args=[task.module_path, task_result.args, task_result.kwargs, self.alias],
                task_id=task_result.id,
                queue=self._celery_queue(task.queue_name),
                eta=task.run_after,
            )
            if eager:
                # An eager run is stored nowhere, so this result is its only record.
                _update_from_celery(
                    task_result,
                    {
                        "status": celery_result.state,
                        "result": celery_result.result,
                        "traceback": celery_result.traceback,
                        "date_done": timezone.now(),
                        "worker": "eager",
                    },
                )

        if eager:
            send()
        else:
            # robust: a broker outage is logged, it does not undo the caller's committed work.
            transaction.on_commit(send, robust=True)
        return task_result

    def get_result(self, result_id):
        """The task's state from Celery's result backend (needs CELERY_RESULT_EXTENDED for its arguments).

        Celery reports an id it does not know as PENDING, the same as a task still in
        the queue, so a result exists only once a worker has stored a state for it.
        """
        if not self.supports_get_result:
            raise NotImplementedError("Task results need a Celery broker and result backend.")
        from cms.celery import app
        from cms.tasks import run_django_task

        # One read, so state, arguments and outcome belong together.
        meta = app.backend.get_task_meta(result_id)
        if meta.get("name") != run_django_task.name or not meta.get("args"):
            raise TaskResultDoesNotExist(result_id)
        module_path, args, kwargs = meta["args"][:3]
        task_result = TaskResult(
            task=import_string(module_path),
            id=result_id,
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        _update_from_celery(task_result, meta)
        return task_result


def _update_from_celery(task_result, meta):
    """Copy a Celery result's state (its task meta dict) onto a django-tasks result."""
    status = CELERY_STATES.get(meta["status"], TaskResultStatus.READY)
    object.__setattr__(task_result, "status", status)
    if meta.get("worker"):
        task_result.worker_ids.append(meta["worker"])
    if task_result.is_finished:
        finished_at = meta.get("date_done")
        if isinstance(finished_at, str):  # as the result backend stores it
            finished_at = parse_datetime(finished_at)
        object.__setattr__(task_result, "finished_at", finished_at)
        object.__setattr__(task_result, "last_attempted_at", finished_at)
    result = meta.get("result")
    if status == TaskResultStatus.SUCCESSFUL:
        object.__setattr__(task_result, "_return_value", result)
    elif isinstance(result, BaseException):
        task_result.errors.append(
            TaskError(exception_class_path=get_module_path(type(result)), traceback=meta.get("traceback") or "")
        )
