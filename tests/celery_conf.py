"""Changing the Celery app's configuration for one test, and leaving no trace.

The app reads CELERY_* from Django settings lazily, so tests that only flip a
Django setting (the `settings` fixture) are seen by Celery. A value set on
`app.conf` itself shadows the Django setting for good: restoring the old value
with `conf.update()` would freeze it, and a later test's setting change would
no longer reach Celery. `celery_conf()` therefore removes what it set.
"""

import contextlib

from cms.celery import app


@contextlib.contextmanager
def celery_conf(**values):
    changes = app.conf.changes
    before = {key: changes[key] for key in values if key in changes}
    app.conf.update(values)
    try:
        yield
    finally:
        for key in values:
            if key in before:
                changes[key] = before[key]
            else:
                changes.pop(key, None)
        app._pool = None  # connections made to the overridden broker go too


@contextlib.contextmanager
def broker_unreachable(settings):
    """Celery, and our django-tasks backend, with a broker nobody listens on (as when Redis is stopped)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # read by cms.task_backend (Wagtail's own tasks)
    with celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0", task_publish_retry=False):
        yield
