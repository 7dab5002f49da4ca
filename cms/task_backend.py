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
runs eagerly and the task runs at once, like django-tasks' ImmediateBackend.
"""

from celery.result import AsyncResult
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django.utils.module_loading import import_string

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
        return bool(settings.CELERY_RESULT_BACKEND) and not settings.CELERY_TASK_ALWAYS_EAGER

    def _celery_queue(self, queue_name):
        return self.options.get("QUEUE_MAP", {}).get(queue_name, settings.CELERY_TASK_DEFAULT_QUEUE)

    def enqueue(self, task, args, kwargs):
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

        def send():
            object.__setattr__(task_result, "enqueued_at", timezone.now())
            task_enqueued.send(type(self), task_result=task_result)
            run_django_task.apply_async(
                args=[task.module_path, task_result.args, task_result.kwargs, self.alias],
                task_id=task_result.id,
                queue=self._celery_queue(task.queue_name),
                eta=task.run_after,
            )

        if settings.CELERY_TASK_ALWAYS_EAGER:
            send()
        else:
            transaction.on_commit(send, robust=True)
        return task_result

    def get_result(self, result_id):
        if not self.supports_get_result:
            raise NotImplementedError("Task results need a Celery broker and result backend.")
        from cms.celery import app

        celery_result = AsyncResult(result_id, app=app)
        if celery_result.state == "PENDING" or not celery_result.args:
            # Celery reports unknown ids as PENDING; without stored arguments
            # (result_extended) we cannot tell which task it was.
            raise TaskResultDoesNotExist(result_id)
        module_path, args, kwargs = celery_result.args[:3]
        date_done = celery_result.date_done
        task_result = TaskResult(
            task=import_string(module_path),
            id=result_id,
            status=CELERY_STATES.get(celery_result.state, TaskResultStatus.READY),
            enqueued_at=None,
            started_at=None,
            last_attempted_at=date_done,
            finished_at=date_done if celery_result.ready() else None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[celery_result.worker] if celery_result.worker else [],
        )
        if celery_result.state == "SUCCESS":
            object.__setattr__(task_result, "_return_value", celery_result.result)
        elif celery_result.state == "FAILURE":
            error = celery_result.result
            task_result.errors.append(
                TaskError(
                    exception_class_path=f"{type(error).__module__}.{type(error).__qualname__}",
                    traceback=celery_result.traceback or "",
                )
            )
        return task_result
