"""Probes for load balancers and orchestrators: liveness (/healthz) and readiness (/readyz).

/healthz touches no backing service, so a database outage never gets healthy
processes restarted. /readyz checks each service and answers 503 when a required
one is down, so traffic goes to instances that can serve readers. Answers name no
hosts, URLs or versions (the probes need no authentication); details go to the log.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cms.celery import app as celery_app
from search.engine import get_engine

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "down"
NOT_CONFIGURED = "not configured"

# Seconds to reach the broker: kombu would otherwise retry for a long time.
BROKER_TIMEOUT = 2
# The probe's cache key lives only this long (seconds); each probe uses its own key.
CACHE_TTL = 10


def check_database():
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # Otherwise this thread's next request would reuse the broken connection.
        connection.close()
        raise


def check_cache():
    # A key of its own: probes of several instances sharing one Redis must not race.
    key, value = f"health:{get_random_string(16)}", get_random_string(16)
    cache.set(key, value, timeout=CACHE_TTL)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return the value just stored")


def check_broker():
    if not settings.CELERY_BROKER_URL:
        return NOT_CONFIGURED
    # The URL from Django's settings, read now; the rest (transport options) from the Celery app.
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    return OK


def check_search():
    get_engine().ping()


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "search": check_search,
}


def required_components() -> dict[str, bool]:
    """Whether each component being down makes the instance unready (503) or only degraded (200)."""
    return {
        "database": True,
        # The API's rate limit and response cache raise without it.
        "cache": True,
        # Reader search (with the database engine this is the database again).
        "search": True,
        # Publishing still succeeds without it and the outbox sweep catches up later.
        "broker": settings.HEALTH_BROKER_REQUIRED,
    }


def run_check(name, check) -> dict:
    start = time.perf_counter()
    try:
        status = check() or OK
    except Exception as error:
        # One line, no traceback: probes repeat every few seconds during an outage.
        logger.warning("Readiness check %s failed: %r", name, error)
        # The class name only: exception messages may carry hosts or URLs with passwords.
        return {"status": DOWN, "latency_ms": _elapsed_ms(start), "error": type(error).__name__}
    if status == NOT_CONFIGURED:
        return {"status": status}
    return {"status": status, "latency_ms": _elapsed_ms(start)}


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """Readiness: each backing service's status and latency; 503 when a required one is down."""
    checks = {name: run_check(name, check) for name, check in CHECKS.items()}
    down = {name for name, result in checks.items() if result["status"] == DOWN}
    required = {name for name, needed in required_components().items() if needed}
    if down & required:
        status, code = "unavailable", 503
    elif down:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
