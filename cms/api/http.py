"""HTTP for everything under /api/: our routers, Wagtail's v3 routers and Wagtail's v2.

Headers
- A successful anonymous GET is public: `ETag` (a hash of the body), `Last-Modified`
  (the last content change), `Cache-Control: public, max-age=API_CACHE_MAX_AGE` and
  `Vary: Authorization`. If-None-Match and If-Modified-Since are answered with 304.
- A request with credentials (an Authorization header, a logged-in session) and the
  headless preview get `Cache-Control: private, no-store`: nobody keeps drafts or a
  user's own data.
- Errors get `Cache-Control: no-cache`, so a 404 or a 429 is not reused.

Server-side cache. Successful anonymous GETs are stored in the cache (Redis in
production) for API_RESPONSE_CACHE_TIMEOUT, under the content version (cms/signals.py)
and the request as it names its site (scheme, host, port, path and query string,
where `?site=` is) and what else the answer depends on (Accept, which Wagtail's v2
negotiates on, and the language). A content change starts a new version, so the next
request is a miss with fresh content. The stored body is the uncompressed one: gzip,
CORS and the other outer middleware run on every answer, hit or miss. `X-Cache: hit`
or `miss` says which it was.

Rate limit. Anonymous requests are counted per client address and minute in the
cache; above API_RATE_LIMIT_PER_MINUTE (0: no limit) the answer is a 429 problem
detail with Retry-After. Requests with a valid API token or a logged-in session are
not counted. The client address is REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT
proxies, the X-Forwarded-For entry that the outermost of them added.

If the cache cannot be reached, the API answers uncached and unlimited rather than fail.
"""

import hashlib
import logging
import math
import time
from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from wagtail.api.v3.errors import problem_response
from wagtail.models import APIToken

from cms.signals import CACHE_ERRORS, api_cache_key, content_state

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Answers meant for one person (drafts): never stored, here or anywhere.
PRIVATE_PREFIXES = ("/api/v3/preview/",)
# Request headers an answer may vary on and still be stored: Accept and the language
# are part of the key, and only requests without Authorization are stored.
KEYED_VARY = {"accept", "accept-language", "authorization"}
# Headers set here on every answer rather than stored with it.
MANAGED_HEADERS = {"cache-control", "etag", "last-modified", "x-cache", "content-length"}


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class ApiGZipMiddleware(GZipMiddleware):
    """Django's gzip for API answers only: admin pages carry CSRF tokens that compression can leak (BREACH)."""

    def process_response(self, request, response):
        if not is_api(request):
            return response
        return super().process_response(request, response)


class ApiHttpMiddleware:
    """Rate limit, server-side cache, validators and Cache-Control for requests under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        refusal = _refuse_nul(request)
        if refusal is not None:
            return refusal
        session_user = _session_user(request)
        has_authorization = "Authorization" in request.headers
        if not (session_user or (has_authorization and _valid_api_token(request))):
            refusal = _rate_limit(request)
            if refusal is not None:
                return refusal
        if session_user or has_authorization or request.path_info.startswith(PRIVATE_PREFIXES):
            response = self.get_response(request)
            response["Cache-Control"] = "private, no-store"
            return response
        if request.method not in ("GET", "HEAD"):
            return _not_shared(self.get_response(request))
        return self._public(request)

    def _public(self, request):
        version, changed_at = _cache_call(content_state) or (None, None)
        timeout = settings.API_RESPONSE_CACHE_TIMEOUT
        key = response_key(request, version) if version and timeout > 0 else None
        entry = _cache_call(cache.get, key) if key else None
        if entry:
            response = HttpResponse(entry["content"], headers=entry["headers"])
            etag, x_cache = entry["etag"], "hit"
        else:
            response, etag, x_cache = self.get_response(request), None, "miss"
            if _shareable(request, response):
                # Weak: gzip changes the bytes, not the meaning.
                etag = f'W/"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
                if key:
                    headers = {name: value for name, value in response.items() if name.lower() not in MANAGED_HEADERS}
                    entry = {"content": response.content, "headers": headers, "etag": etag}
                    _cache_call(cache.set, key, entry, timeout)
        response = _validated(request, response, etag, changed_at) if etag else _not_shared(response)
        response["X-Cache"] = x_cache
        return response


def _refuse_nul(request):
    """A 422 for a NUL character in the query: no database stores it, PostgreSQL refuses it."""
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            response = problem_response(
                status=422, detail=f"Query parameter {name.strip(chr(0))} contains a NUL character."
            )
            response["Cache-Control"] = "no-cache"
            return response
    return None


def response_key(request, version) -> str:
    """Where the answer to `request` is stored under content `version`."""
    variant = "\n".join(
        [
            request.method,
            request.scheme,
            request.get_host(),
            request.get_port(),
            request.get_full_path(),
            request.headers.get("Accept", ""),
            get_language() or "",
        ]
    )
    return api_cache_key("response", version, hashlib.sha256(variant.encode()).hexdigest())


def _validated(request, response, etag, changed_at):
    """The public answer with its validators, or a 304 when the client's copy is still current."""
    response["ETag"] = etag
    if changed_at:
        # Never later than now (RFC 9110, 8.8.2.1). The change time is rounded up, so an
        # answer from the change's own second says the second before: a second change
        # within that second still makes it older (see cms.signals).
        response["Last-Modified"] = http_date(min(changed_at, math.floor(time.time())))
    response["Cache-Control"] = f"public, max-age={settings.API_CACHE_MAX_AGE}"
    patch_vary_headers(response, ("Authorization",))
    return get_conditional_response(request, etag=etag, last_modified=changed_at, response=response)


def _not_shared(response):
    """An answer nobody may reuse without asking again: errors, and the few successes that are per reader."""
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = "private, no-cache" if response.status_code == 200 else "no-cache"
    return response


def _shareable(request, response) -> bool:
    """True when a successful answer is the same for every anonymous reader, so it may be stored and shared."""
    if response.status_code != HTTPStatus.OK or response.streaming or response.cookies:
        return False
    # A view that chose its own caching keeps it; a body with the reader's CSRF token, or
    # one read from their session, is theirs.
    if response.has_header("Cache-Control") or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.accessed:
        return False
    vary = {name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()}
    return vary <= KEYED_VARY


def _session_user(request) -> bool:
    # Without a session cookie nobody is logged in; leaving the session unread keeps
    # SessionMiddleware from adding `Vary: Cookie` to every answer.
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


def _valid_api_token(request) -> bool:
    """True when the request's `Authorization: Bearer …` is a live API token of an active user."""
    scheme, _, token = request.headers["Authorization"].partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return False
    api_token = (
        APIToken.objects.select_related("user")
        .filter(key_hash__in=APIToken.candidate_key_hashes(token), revoked_at__isnull=True)
        .first()
    )
    return bool(api_token and api_token.user.is_active)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry the outermost trusted proxy added."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [address.strip() for address in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [address for address in forwarded if address]
        # Entries left of those the trusted proxies added are the client's own say.
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _rate_limit(request):
    """Count the request; a 429 problem detail when its client is over this minute's limit, else None."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return None
    now = time.time()
    window = int(now // 60)
    count = _cache_call(_count, api_cache_key("rate", client_address(request), window))
    if count is None or count <= limit:
        return None
    retry_after = max(1, math.ceil((window + 1) * 60 - now))
    response = problem_response(
        status=HTTPStatus.TOO_MANY_REQUESTS,
        detail=f"More than {limit} requests a minute from this address; try again in {retry_after} seconds.",
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-cache"
    return response


def _count(key) -> int:
    if cache.add(key, 1, timeout=60):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired since add()
        cache.set(key, 1, timeout=60)
        return 1


def _cache_call(function, *args):
    """`function(*args)`, or None when the cache cannot be reached."""
    try:
        return function(*args)
    except CACHE_ERRORS:
        logger.warning("The API's cache cannot be reached; answering uncached", exc_info=True)
        return None
