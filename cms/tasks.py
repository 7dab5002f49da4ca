"""Celery tasks of the project package: the django-tasks runner and site upkeep."""

import logging

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskContext, TaskError, TaskResult, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks.utils import get_exception_traceback, get_module_path, normalize_json

logger = logging.getLogger(__name__)


@shared_task(name="cms.tasks.run_django_task", bind=True)
def run_django_task(self, module_path, args, kwargs, backend_alias="default"):
    """Run one django-tasks task (Wagtail's background work) on a Celery worker."""
    from cms.task_backend import CeleryTaskBackend

    task = import_string(module_path)
    now = timezone.now()
    task_result = TaskResult(
        task=task,
        id=self.request.id or "",
        status=TaskResultStatus.RUNNING,
        enqueued_at=None,
        started_at=now,
        last_attempted_at=now,
        finished_at=None,
        args=args,
        kwargs=kwargs,
        backend=backend_alias,
        errors=[],
        worker_ids=[self.request.hostname or "eager"],
    )
    task_started.send(CeleryTaskBackend, task_result=task_result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=task_result), *args, **kwargs)
        else:
            value = task.call(*args, **kwargs)
    except Exception as error:
        # Re-raised, so Celery stores the failure for get_result; the signal
        # carries it too, for django-tasks' log and any other listener.
        task_result.errors.append(
            TaskError(exception_class_path=get_module_path(type(error)), traceback=get_exception_traceback(error))
        )
        object.__setattr__(task_result, "status", TaskResultStatus.FAILED)
        object.__setattr__(task_result, "finished_at", timezone.now())
        task_finished.send(CeleryTaskBackend, task_result=task_result)
        raise
    object.__setattr__(task_result, "status", TaskResultStatus.SUCCESSFUL)
    object.__setattr__(task_result, "finished_at", timezone.now())
    task_finished.send(CeleryTaskBackend, task_result=task_result)
    return normalize_json(value)


# Beat sends this every minute: a copy still queued after a worker outage is
# superseded by the next one, so it expires instead of piling up and running
# side by side with it (which could publish the same revision twice).
@shared_task(name="cms.tasks.publish_scheduled_pages", expires=60)
def publish_scheduled_pages():
    """Publish pages whose go-live time has come and unpublish expired ones (celery beat, every minute)."""
    call_command("publish_scheduled")


@shared_task(name="cms.tasks.purge_old_page_revisions")
def purge_old_page_revisions():
    """Drop revisions older than a year (nightly).

    Wagtail keeps each object's latest revision and those scheduled or in
    moderation; a page's live content stays on the page itself.
    """
    call_command("purge_revisions", days=365)
