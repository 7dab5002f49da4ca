"""The /api/v3/ OpenAPI document is a contract: schemathesis checks every read operation against it.

Schemathesis reads /api/v3/openapi.json from the application in-process (WSGI, no
server) and sends generated requests, valid and invalid, to every GET operation of
the document, ours and Wagtail's v3 routers alike, over the small published site of
`site_tree`. Each response must not be a server error, and must match the document:
content type, headers and body. Our operations declare every status they answer with
(cms.api.common.responses): their statuses must be declared, a request the document
calls invalid must be refused, and a 422 must be about the request. Wagtail 8.0.1's v3
operations declare only their successes, so for them a status the document does not
declare must be a 4xx problem detail (RFC 7807) that names the problem, as
CONVENTIONS.md asks of bad input. The rate limit (429) is off and no request is
conditional (304): both are declared, neither is sent here.

The write operations (POST, PUT, PATCH, DELETE) are skipped: they need an API token
and would change the data every other example runs against. GET operations that
need a token (revisions, schema, sites, whoami) are called with a superuser's token;
the public ones are called anonymously, as the reader's front end calls them.

Generation is derandomized (the same requests on every run) and bounded to
MAX_EXAMPLES per operation. Random examples seldom hold the values that have broken
these routers, a NUL byte (PostgreSQL refuses it in text), an integer past 64 bits
(SQLite cannot bind it) and a digit that `int()` refuses (str.isdigit() accepts "²"),
so a second test sends each of them in every parameter of every read operation, and
keeps the list of the server errors they still cause (OUR_KNOWN_SERVER_ERRORS) exact.
"""

import contextlib
import json
from urllib.parse import quote

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from wagtail.models import APIToken

from cms.wsgi import application
from tests.factories import UserFactory

MAX_EXAMPLES = 25
READ_METHODS = {"GET"}
PROBLEM_CONTENT_TYPES = {"application/problem+json", "application/json"}
DATABASE = "postgresql" if "postgresql" in django_settings.DATABASES["default"]["ENGINE"] else "sqlite"
# Tags of this project's routers; the other operations are Wagtail's v3 routers.
OUR_TAGS = {"news", "reports", "chronicle", "navigation", "preview", "search"}
EDGE_VALUES = {"NUL byte": "\x00", "past 64 bits": "9" * 30, "non-ASCII digit": "²"}

# Server errors of our routers that the edge values cause today, by database, as
# (operation, parameter, edge value). The edge-value test fails when one is fixed
# and still listed here, or when a new one appears.
OUR_KNOWN_SERVER_ERRORS = {
    # None: a NUL character in the query is a 422 for every API route (cms/api/http.py), and
    # news/api.py takes only ASCII digits within the id range as a column id.
    "sqlite": set(),
    "postgresql": set(),
}

schema = schemathesis.openapi.from_wsgi(
    "/api/v3/openapi.json",
    application,
    config=schemathesis.config.SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            # No probes with other methods (TRACE, PUT…) on the read operations' paths.
            "phases": {"coverage": {"unexpected-methods": []}},
        }
    ),
)


def is_ours(definition) -> bool:
    return bool(set(definition.get("tags", [])) & OUR_TAGS)


def needs_token(definition) -> bool:
    """True when the operation (as the document defines it) accepts no anonymous caller."""
    requirements = definition.get("security", [])
    return bool(requirements) and not any("AllowAnonymous" in requirement for requirement in requirements)


def edge_kind(value) -> str | None:
    """Which kind of EDGE_VALUES a query value is, if any."""
    text = str(value)
    if "\x00" in text:
        return "NUL byte"
    if text.isdigit() and not text.isascii():
        return "non-ASCII digit"
    if text.isdigit() and int(text) > 2**63 - 1:
        return "past 64 bits"
    return None


def query_items(query):
    for name, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            yield name, item


def wagtail_server_error(definition, query) -> str | None:
    """Why one of Wagtail 8.0.1's own v3 routers answers this request with a 500, or None.

    Not ours to fix, so such requests are not sent; the reasons name what Wagtail does.
    """
    if is_ours(definition):
        return None
    operation = definition["operationId"]
    for name, value in query_items(query):
        kind = edge_kind(value)
        if name == "offset" and kind == "past 64 bits":
            return "Wagtail's v3 list routers (pages, sites) slice their querysets with `offset` unbounded"
        if kind == "NUL byte" and operation in ("pages_list", "pages_find") and DATABASE == "postgresql":
            return "Wagtail's v3 pages router sends query text with its NUL byte to PostgreSQL, which refuses it"
        if kind == "NUL byte" and (operation, name) == ("pages_list", "search"):
            return "Wagtail's v3 pages search passes a NUL byte into SQLite's full-text query (unterminated string)"
    return None


def known_server_error_of_ours(definition, query) -> bool:
    known = OUR_KNOWN_SERVER_ERRORS[DATABASE]
    return any((definition["operationId"], name, edge_kind(value)) in known for name, value in query_items(query))


def is_wagtail_find_redirect(operation_id, status, location) -> bool:
    """Wagtail's GET /pages/find/ answers a page it finds with a 302 to that page's detail in the same
    API (wagtail.api.v3.routers.pages.find_page); its OpenAPI document declares only the 200."""
    return operation_id == "pages_find" and status == 302 and location.startswith("/api/v3/pages/")


def assert_problem_detail(request, status, content_type, content):
    """An answer with a status the document does not declare: a 4xx problem detail with a `detail` for people."""
    assert 400 <= status < 500, f"{request}: undeclared status {status}"
    content_type = content_type.split(";")[0].strip()
    assert content_type in PROBLEM_CONTENT_TYPES, f"{request}: {status} as {content_type!r}"
    body = json.loads(content)
    assert body.get("status") == status, f"{request}: problem status {body.get('status')!r}"
    assert isinstance(body.get("detail"), str) and body["detail"], f"{request}: problem without detail: {body}"


def undeclared_status_is_a_problem_detail(ctx, response, case):
    """Schemathesis check: see assert_problem_detail."""
    location = response.headers.get("location", [""])[0]
    if str(response.status_code) in case.operation.responses.status_codes or is_wagtail_find_redirect(
        case.operation.definition.raw["operationId"], response.status_code, location
    ):
        return None
    assert_problem_detail(
        f"{case.method} {response.request.url}",
        response.status_code,
        response.headers.get("content-type", [""])[0],
        response.content,
    )
    return None


def request_error_is_about_the_request(ctx, response, case):
    """Schemathesis check: a 422 names query or path parameters. Ninja's check of a view's own answer
    against its schema fails as a 422 too (wagtail.api.v3.errors), which would be declared and conform."""
    if response.status_code != 422:
        return None
    errors = json.loads(response.content).get("errors", [])
    not_input = [error for error in errors if error.get("loc", [None])[:1] not in (["query"], ["path"])]
    assert not not_input, f"{case.method} {response.request.url}: a 422 not about the request: {not_input}"
    return None


COMMON_CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Wagtail 8.0.1's v3 operations declare only their successes, and their code is not ours to change:
# status-code conformance would fail on each of their errors, so those are checked as problem details.
OUR_CHECKS = [*COMMON_CHECKS, status_code_conformance, negative_data_rejection, request_error_is_about_the_request]
WAGTAIL_CHECKS = [*COMMON_CHECKS, undeclared_status_is_a_problem_detail]


@contextlib.contextmanager
def read_only_request():
    """Undo whatever one request did to the database, so that the next starts from the same data; on
    PostgreSQL this also ends an aborted transaction, which a failed query leaves behind."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def read_operation(request):
    """Skip the write operations before any data is built for them."""
    method, _ = request.node.operation_label.split(" ", 1)
    if method not in READ_METHODS:
        pytest.skip(f"{method} is a write operation: it needs an API token and would change the data")


@pytest.fixture
def in_process_api(site_tree, settings):
    """The published site, served in-process as in production (no rate limit, empty cache) for the test's length."""
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    # As Django's own test client does: the request signals must not close the
    # connection that holds the test's transaction (and its data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    yield site_tree
    cache.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(db):
    """A superuser's API token, for the read operations that accept no anonymous caller."""
    user = UserFactory(username="contract", is_superuser=True, is_staff=True)
    return APIToken.create_token(user=user, name="contract test")[1]


# The data is built once per operation and only read by the examples, so sharing
# the function-scoped fixtures between examples is what this test wants.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@schema.parametrize()
def test_read_operations_conform_to_the_document(case, read_operation, in_process_api, api_token):
    definition = case.operation.definition.raw
    # Known server errors: Wagtail's are not sent; ours are kept track of by the edge-value test.
    if wagtail_server_error(definition, case.query) or known_server_error_of_ours(definition, case.query):
        return
    # The in-process client does not undo gzip, which the API applies when asked.
    headers = {"Accept-Encoding": "identity"}
    if needs_token(definition):
        headers["Authorization"] = f"Bearer {api_token}"
    with read_only_request():
        case.call_and_validate(headers=headers, checks=OUR_CHECKS if is_ours(definition) else WAGTAIL_CHECKS)


def edge_requests():
    """(operation, parameter, edge value, path, query): each edge value in each parameter of each GET operation."""
    for path, methods in schema.raw_schema["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
        for parameter in parameters:
            for label, value in EDGE_VALUES.items():
                url = path
                for other in parameters:
                    if other["in"] == "path":
                        url = url.replace(f"{{{other['name']}}}", quote(value, safe="") if other is parameter else "1")
                query = {parameter["name"]: value} if parameter["in"] == "query" else {}
                yield operation, parameter["name"], label, url, query


def test_edge_values_cause_no_server_error(in_process_api, api_token):
    """Each of EDGE_VALUES in every parameter of every read operation: no 500 but the known ones (exactly
    those), our operations answer with declared statuses only, and Wagtail's undeclared ones are problem details."""
    client = Client(raise_request_exception=False)
    server_errors, problems = set(), []
    for operation, name, label, url, query in edge_requests():
        if wagtail_server_error(operation, query):
            continue
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"} if needs_token(operation) else {}
        with read_only_request():
            response = client.get(url, query, **headers)
        if response.status_code >= 500:
            server_errors.add((operation["operationId"], name, label))
        elif str(response.status_code) in operation["responses"]:
            continue
        elif is_ours(operation):
            problems.append(f"GET {url} {query!r}: undeclared status {response.status_code}")
        elif not is_wagtail_find_redirect(operation["operationId"], response.status_code, response.get("Location", "")):
            try:
                assert_problem_detail(
                    f"GET {url} {query!r}", response.status_code, response.get("Content-Type", ""), response.content
                )
            except AssertionError as problem:
                problems.append(str(problem))
    known = OUR_KNOWN_SERVER_ERRORS[DATABASE]
    assert not problems, problems
    assert server_errors <= known, f"new server errors: {sorted(server_errors - known)}"
    assert known <= server_errors, (
        f"fixed, so take them out of OUR_KNOWN_SERVER_ERRORS: {sorted(known - server_errors)}"
    )
