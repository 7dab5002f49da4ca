"""Liveness and readiness probes (cms/health.py)."""

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.utils import ConnectionHandler

from cms import health

SECRET = "s3cr3t-pw"
# Nothing listens on port 1; the password must never reach an answer.
DEAD_REDIS = f"redis://:{SECRET}@127.0.0.1:1/0"
DEAD_CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}


def readyz(client):
    response = client.get("/readyz")
    assert "no-store" in response["Cache-Control"]
    assert SECRET not in response.content.decode()
    return response.status_code, response.json()


def assert_timed(check):
    assert isinstance(check["latency_ms"], int | float)
    assert check["latency_ms"] >= 0


@pytest.fixture
def dead_elasticsearch(settings):
    settings.SEARCH_ENGINE = "search.engines.elasticsearch.ElasticsearchEngine"
    settings.ELASTICSEARCH_URL = f"http://elastic:{SECRET}@127.0.0.1:1"


@pytest.fixture
def dead_broker(settings):
    # A Django setting only: the check connects to settings.CELERY_BROKER_URL itself.
    settings.CELERY_BROKER_URL = DEAD_REDIS


def test_healthz_touches_no_backing_service(client, settings, dead_elasticsearch):
    # No `db` fixture: pytest-django fails any database access. Cache and search are unreachable too.
    settings.CACHES = DEAD_CACHES
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_all_ok(client, settings):
    settings.CELERY_BROKER_URL = ""  # CI configures one; this test is about the quick start
    status, body = readyz(client)
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "search"}
    for name in ("database", "cache", "search"):
        assert body["checks"][name]["status"] == "ok"
        assert_timed(body["checks"][name])
        assert "error" not in body["checks"][name]
    # Without a broker (tasks run in-process) there is nothing to check, which is not a failure.
    assert body["checks"]["broker"] == {"status": "not configured"}


@pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL, reason="needs a real broker: set CELERY_BROKER_URL (CI sets it)"
)
def test_readyz_reports_a_reachable_broker(client, db):
    status, body = readyz(client)
    assert status == 200
    assert body["checks"]["broker"]["status"] == "ok"
    assert_timed(body["checks"]["broker"])


@pytest.mark.django_db
def test_database_down_is_unavailable(client, monkeypatch):
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent/health/db.sqlite3"
    else:
        settings_dict.update(HOST="127.0.0.1", PORT="1", PASSWORD=SECRET)
    unreachable = ConnectionHandler({DEFAULT_DB_ALIAS: settings_dict})
    monkeypatch.setattr(health, "connections", unreachable)
    try:
        status, body = readyz(client)
    finally:
        unreachable.close_all()
    assert status == 503
    assert body["status"] == "unavailable"
    database = body["checks"]["database"]
    assert database["status"] == "down"
    assert database["error"] == "OperationalError"
    assert_timed(database)
    # The test's own connection was not touched.
    assert body["checks"]["search"]["status"] == "ok"


@pytest.mark.django_db
def test_database_check_closes_a_broken_connection(monkeypatch):
    closed = []
    real = health.connections[DEFAULT_DB_ALIAS]

    class Broken:
        def cursor(self):
            raise real.Database.OperationalError("server closed the connection")

        def close(self):
            closed.append(True)

    monkeypatch.setattr(health, "connections", {DEFAULT_DB_ALIAS: Broken()})
    assert health.run_check("database", health.check_database)["status"] == "down"
    assert closed == [True]


@pytest.mark.django_db
def test_cache_down_is_unavailable(client, settings):
    settings.CACHES = DEAD_CACHES
    status, body = readyz(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["cache"]["error"]
    assert_timed(body["checks"]["cache"])
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_broker_down_only_degrades(client, dead_broker):
    status, body = readyz(client)
    assert status == 200
    assert body["status"] == "degraded"
    broker = body["checks"]["broker"]
    assert broker["status"] == "down"
    assert broker["error"]
    assert_timed(broker)


@pytest.mark.django_db
def test_broker_down_is_unavailable_when_required(client, settings, dead_broker):
    settings.HEALTH_BROKER_REQUIRED = True
    status, body = readyz(client)
    assert status == 503
    assert body["status"] == "unavailable"


@pytest.mark.django_db
def test_search_engine_down_is_unavailable(client, dead_elasticsearch):
    status, body = readyz(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["search"]["status"] == "down"
    assert body["checks"]["search"]["error"] == "SearchError"
    assert body["checks"]["database"]["status"] == "ok"
