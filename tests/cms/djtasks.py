"""Django tasks (the django-tasks API Wagtail uses) for the task tests, and a throwaway Celery queue.

The tasks are module-level, as django-tasks requires, so a Celery worker can
import them by path like Wagtail's own.
"""

import uuid

import redis
from django.conf import settings
from django.core.cache import cache
from django_tasks import task


@task()
def remember(key, value):
    """Store `value` in the cache under `key` (seen by every thread of the process) and return it."""
    cache.set(key, value)
    return value


@task()
def fail(message):
    """Raise ValueError(message): a task that breaks."""
    raise ValueError(message)


def new_queue_name():
    """A Celery queue name no other run uses, so runs sharing a broker do not meet."""
    return f"test-{uuid.uuid4().hex}"


def tasks_setting(queue):
    """The TASKS setting with django tasks of the "default" queue routed to the Celery queue `queue`."""
    backend = settings.TASKS["default"]
    return {"default": {**backend, "OPTIONS": {**backend.get("OPTIONS", {}), "QUEUE_MAP": {"default": queue}}}}


def broker():
    """A client for the Redis broker of CELERY_BROKER_URL."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def waiting_messages(queue):
    """How many messages wait in `queue` on the Redis broker (kombu keeps one list per priority)."""
    client = broker()
    return sum(client.llen(key) for key in client.scan_iter(match=f"{queue}*"))


def delete_queue(queue):
    """Remove `queue`, its messages and kombu's bindings for it from the Redis broker."""
    client = broker()
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)
