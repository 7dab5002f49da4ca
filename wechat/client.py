"""Our client for the WeChat Official Account API (公众号), built on wechatpy.

wechatpy (2.0.0a26) sends the requests; this layer adds what it lacks:

- the access token comes from `cgi-bin/stable_token`, never `cgi-bin/token`, and is shared by
  every worker through the Django cache, fetched by one worker at a time (`AccessTokens`);
- a refused token (40001/40014/42001) is renewed once and the call retried, spending a
  force refresh (20 a day, 30 s apart) only when WeChat keeps handing out the refused token;
- every failure is one of the exceptions in wechat/errors.py, with a message for editors;
- draft/update gets the body WeChat documents: `articles` is one article object, not a list.

Methods return plain values and dicts. A `WeChatApi` is for one thread at a time (it keeps
a requests session and the token of the call in progress); make one per worker or thread.

Publishing is draft box then publish: `add_draft` (or `update_draft` while it is not yet
published), `submit_publish`, then the PUBLISHJOBFINISH event or `get_publish_status`.
"""

import contextlib
import logging
import time
import uuid
from enum import IntEnum
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from wechatpy.client.api import WeChatFreePublish, WeChatMaterial, WeChatMedia, WeChatMessage
from wechatpy.client.base import BaseWeChatClient
from wechatpy.exceptions import WeChatClientException

from wechat import limits
from wechat.errors import (
    FORCE_REFRESH_TOO_SOON_MESSAGE,
    FORCE_REFRESH_USED_UP_MESSAGE,
    TOKEN_LOCK_TIMEOUT_MESSAGE,
    WeChatPermanentError,
    WeChatTokenError,
    WeChatTransientError,
    error_for,
    error_for_http_status,
    error_for_transport,
    unexpected_answer,
)

logger = logging.getLogger(__name__)

# Seconds one HTTP request to WeChat may take (uploads of up to 10 MB included).
DEFAULT_TIMEOUT = 15

# Fields of a draft article that we send (draftbox/draftmanage/api_draft_add).
ARTICLE_FIELDS = frozenset(
    {
        "title",
        "author",
        "digest",
        "content",
        "content_source_url",
        "thumb_media_id",
        "need_open_comment",
        "only_fans_can_comment",
        "pic_crop_235_1",
        "pic_crop_1_1",
    }
)
REQUIRED_ARTICLE_FIELDS = frozenset({"title", "content", "thumb_media_id"})

# Leading bytes of the image formats WeChat accepts, and how each is named in an upload.
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
_IMAGE_SUFFIX = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "bmp": ".bmp"}


class PublishStatus(IntEnum):
    """`publish_status` of freepublish/get and of the PUBLISHJOBFINISH event."""

    SUCCESS = 0
    PUBLISHING = 1
    ORIGINALITY_FAILED = 2
    FAILED = 3
    REJECTED = 4  # by WeChat's review
    DELETED = 5  # all articles deleted by the account after success
    BANNED = 6  # all articles banned by WeChat after success


def image_format(data):
    """The image format of `data` by its leading bytes ("jpeg", "png", "gif", "bmp"), or None."""
    return next((kind for signature, kind in _IMAGE_SIGNATURES if data.startswith(signature)), None)


def check_article(article):
    """Raise WeChatPermanentError, with the errcode WeChat would answer, when `article` breaks a limit.

    Checked before sending so that an editor learns what to fix without spending a call.
    ValueError for fields we do not know or required ones missing: those are bugs, not content.
    """
    unknown = set(article) - ARTICLE_FIELDS
    missing = REQUIRED_ARTICLE_FIELDS - set(article)
    if unknown or missing:
        raise ValueError(f"Draft article with unknown fields {sorted(unknown)} or missing {sorted(missing)}")
    for field, limit, errcode in (
        ("title", limits.TITLE_MAX_CHARS, 45003),
        ("author", limits.AUTHOR_MAX_CHARS, 45110),
        ("digest", limits.DIGEST_MAX_CHARS, 45004),
    ):
        length = len(article.get(field) or "")
        if length > limit:
            raise WeChatPermanentError(errcode, f"{field} has {length} characters, at most {limit} (checked locally)")
    content = article["content"]
    if len(content) >= limits.CONTENT_CHAR_LIMIT or len(content.encode()) >= limits.CONTENT_BYTE_LIMIT:
        raise WeChatPermanentError(45002, f"content has {len(content)} characters (checked locally)")
    if len((article.get("content_source_url") or "").encode()) > limits.CONTENT_SOURCE_URL_MAX_BYTES:
        raise WeChatPermanentError(45005, "content_source_url is too long (checked locally)")


class AccessTokens:
    """The access token of one AppID, kept in the Django cache that all workers share.

    Fetching takes a lock (`cache.add` of a key with a timeout, so a killed worker's lock
    expires): one worker asks WeChat while the others wait and then read its result.
    `request_token(force_refresh)` asks WeChat and returns (token, expires_in).
    """

    POLL_SECONDS = 0.05

    def __init__(self, app_id, request_token, lock_timeout):
        self._request_token = request_token
        self._lock_timeout = lock_timeout
        prefix = f"wechat:{app_id}"
        self._token_key = f"{prefix}:access_token"
        self._lock_key = f"{prefix}:access_token:lock"
        self._last_force_key = f"{prefix}:access_token:last_force_refresh"
        self._force_count_prefix = f"{prefix}:access_token:force_refreshes"

    def get(self):
        """A valid token: the shared one, or a new one fetched in normal mode."""
        token = cache.get(self._token_key)
        if token:
            return token
        with self._lock():
            return cache.get(self._token_key) or self._store(*self._request_token(False))

    def fetch(self):
        """Ask WeChat now (normal mode, which invalidates nobody's token) and keep the answer."""
        with self._lock():
            return self._store(*self._request_token(False))

    def renew(self, refused):
        """A token in place of `refused`, which WeChat just refused.

        Another worker may have renewed it already; else a normal fetch returns WeChat's
        current token, which differs from `refused` when that one simply expired. Only when
        WeChat hands out the refused token again is a force refresh spent on it.
        """
        with self._lock():
            current = cache.get(self._token_key)
            if current and current != refused:
                return current
            token, expires_in = self._request_token(False)
            if token == refused:
                self._count_force_refresh()
                logger.warning("WeChat refused its current access token; forcing a new one")
                token, expires_in = self._request_token(True)
            return self._store(token, expires_in)

    def _store(self, token, expires_in):
        # Kept until WeChat's early renewal; a token issued with little time left, for half of it.
        ttl = max(expires_in - limits.TOKEN_REFRESH_MARGIN_SECONDS, expires_in // 2)
        cache.set(self._token_key, token, timeout=ttl)
        return token

    def _count_force_refresh(self):
        """Refuse a force refresh beyond WeChat's limits, else count it. Called under the lock."""
        now = time.time()
        last = cache.get(self._last_force_key)
        if last is not None and now - last < limits.FORCE_REFRESH_MIN_INTERVAL_SECONDS:
            raise WeChatTokenError(None, f"last force refresh {now - last:.0f} s ago", FORCE_REFRESH_TOO_SOON_MESSAGE)
        day = timezone.localdate(timezone=ZoneInfo(limits.QUOTA_TIMEZONE))
        count_key = f"{self._force_count_prefix}:{day.isoformat()}"
        count = cache.get(count_key, 0)
        if count >= limits.FORCE_REFRESH_PER_DAY:
            raise WeChatTokenError(None, f"{count} force refreshes today already", FORCE_REFRESH_USED_UP_MESSAGE)
        cache.set(count_key, count + 1, timeout=2 * 24 * 3600)
        cache.set(self._last_force_key, now, timeout=2 * limits.FORCE_REFRESH_MIN_INTERVAL_SECONDS)

    @contextlib.contextmanager
    def _lock(self):
        owner = uuid.uuid4().hex
        # A lock left by a killed worker expires after _lock_timeout, so waiting a little longer suffices.
        deadline = time.monotonic() + self._lock_timeout + 1
        while not cache.add(self._lock_key, owner, timeout=self._lock_timeout):
            if time.monotonic() > deadline:
                raise WeChatTransientError(
                    None, "timed out waiting for the access token lock", TOKEN_LOCK_TIMEOUT_MESSAGE
                )
            time.sleep(self.POLL_SECONDS)
        try:
            yield
        finally:
            if cache.get(self._lock_key) == owner:
                cache.delete(self._lock_key)


class _WeChatPyClient(BaseWeChatClient):
    """wechatpy's client, sending the token our `WeChatApi` sets for the call in progress."""

    media = WeChatMedia()
    material = WeChatMaterial()
    freepublish = WeChatFreePublish()
    message = WeChatMessage()

    _token = None

    def __init__(self, app_id, secret, api_base, timeout):
        # auto_retry off: wechatpy would refetch the token its own way, and without a bound.
        super().__init__(app_id, timeout=timeout, auto_retry=False)
        self.secret = secret
        self.api_base = api_base
        self.API_BASE_URL = f"{api_base}/cgi-bin/"

    @property
    def access_token(self):
        return self._token

    def fetch_access_token(self, force_refresh=False):
        """WeChat's answer to cgi-bin/stable_token (POST JSON); the caller keeps the token."""
        response = self._http.post(
            f"{self.api_base}/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": force_refresh,
            },
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            raise error_for_http_status(response.status_code)
        result = self._handle_result(response)  # raises WeChatClientException for an errcode
        if isinstance(result, requests.Response):
            raise unexpected_answer(f"stable_token answered non-JSON: {response.text[:200]!r}")
        return result


class WeChatApi:
    """The WeChat Official Account API as our sync code needs it."""

    def __init__(self, app_id, app_secret, api_base=None, timeout=DEFAULT_TIMEOUT):
        api_base = (api_base or settings.WECHAT_API_BASE).rstrip("/")
        self.app_id = app_id
        self._wechatpy = _WeChatPyClient(app_id, app_secret, api_base, timeout)
        # Held for at most a normal and a forced fetch, each bounded by the timeout.
        self._tokens = AccessTokens(app_id, self._request_token, lock_timeout=2 * timeout + 5)

    @classmethod
    def from_settings(cls, **kwargs):
        """The client for the account in WECHAT_APP_ID / WECHAT_APP_SECRET (single-site installs)."""
        if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
            raise ImproperlyConfigured("Set WECHAT_APP_ID and WECHAT_APP_SECRET to use the WeChat channel.")
        return cls(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, **kwargs)

    # --- connection ---------------------------------------------------------------

    def check_connection(self):
        """Fetch a token with our credentials now; raises e.g. WeChatUnauthorizedError for a wrong secret."""
        self._tokens.fetch()

    # --- images ----------------------------------------------------------------------

    def upload_body_image(self, data, filename):
        """Upload an image for use inside an article body (media/uploadimg); returns its URL."""
        kind = image_format(data)
        if kind not in limits.BODY_IMAGE_FORMATS:
            raise WeChatPermanentError(40005, f"{filename}: {kind or 'not an image'}, body images are JPG or PNG")
        if len(data) >= limits.BODY_IMAGE_BYTE_LIMIT:
            raise WeChatPermanentError(40009, f"{filename}: {len(data)} bytes, limit {limits.BODY_IMAGE_BYTE_LIMIT}")
        return self._call(self._wechatpy.media.upload_image, _upload(data, filename, kind))

    def add_permanent_image(self, data, filename):
        """Add a permanent image (material/add_material, type image), e.g. a cover; returns its media_id."""
        kind = image_format(data)
        if kind not in limits.PERMANENT_IMAGE_FORMATS:
            raise WeChatPermanentError(40005, f"{filename}: {kind or 'not an image'}, not an accepted image format")
        if len(data) > limits.PERMANENT_IMAGE_MAX_BYTES:
            raise WeChatPermanentError(
                40009, f"{filename}: {len(data)} bytes, limit {limits.PERMANENT_IMAGE_MAX_BYTES}"
            )
        return self._call(self._wechatpy.material.add, "image", _upload(data, filename, kind))["media_id"]

    # --- draft box and publishing ------------------------------------------------------

    def add_draft(self, article):
        """Put one article into the draft box (draft/add); returns the draft's media_id."""
        check_article(article)
        return self._call(self._wechatpy.post, "draft/add", data={"articles": [article]})["media_id"]

    def update_draft(self, media_id, article, index=0):
        """Replace article `index` of a draft that is not published yet (draft/update)."""
        check_article(article)
        self._call(
            self._wechatpy.post, "draft/update", data={"media_id": media_id, "index": index, "articles": article}
        )

    def submit_publish(self, media_id):
        """Submit a draft for publishing (freepublish/submit); returns the publish_id of the job.

        The outcome comes later: the PUBLISHJOBFINISH event, or `get_publish_status`.
        """
        return str(self._call(self._wechatpy.freepublish.submit, media_id)["publish_id"])

    def get_publish_status(self, publish_id):
        """The state of a publishing job (freepublish/get; 100 calls a day, so prefer the event).

        Keys as WeChat documents them: publish_status (see PublishStatus), and on success
        article_id and article_detail {count, item: [{idx, article_url}]}; fail_idx.
        """
        return _payload(self._call(self._wechatpy.freepublish.get, publish_id))

    def batchget_published(self, offset=0, count=limits.PUBLISHED_BATCH_MAX, no_content=False):
        """A page of published articles, newest first (freepublish/batchget): total_count, item_count, item."""
        if not 1 <= count <= limits.PUBLISHED_BATCH_MAX:
            raise ValueError(f"count must be 1 to {limits.PUBLISHED_BATCH_MAX}, not {count}")
        return _payload(self._call(self._wechatpy.freepublish.batchget, offset, count, int(no_content)))

    def get_article(self, article_id):
        """A published article (freepublish/getarticle): {"news_item": [{title, content, url, ...}]}."""
        return _payload(self._call(self._wechatpy.freepublish.getarticle, article_id))

    def mass_send_draft(self, media_id, client_msg_id=None):
        """Send a draft to all followers (message/mass/sendall); returns msg_id.

        Only on an editor's explicit request: a subscription account has one mass send a
        day. `client_msg_id` makes a repeated request fail with 45065 instead of sending twice.
        """
        result = self._call(
            self._wechatpy.message.send_mass_article, media_id, is_to_all=True, client_msg_id=client_msg_id
        )
        return result["msg_id"]

    # --- plumbing ---------------------------------------------------------------------

    def _request_token(self, force_refresh):
        try:
            result = self._wechatpy.fetch_access_token(force_refresh)
        except WeChatClientException as exc:
            raise error_for(exc.errcode, exc.errmsg) from exc
        except requests.RequestException as exc:
            raise error_for_transport(exc) from exc
        return result["access_token"], int(result["expires_in"])

    def _call(self, operation, *args, **kwargs):
        """Run a wechatpy call with the shared token; when WeChat refuses the token, renew it and retry once."""
        token = self._tokens.get()
        try:
            return self._attempt(token, operation, *args, **kwargs)
        except WeChatTokenError as exc:
            logger.info("WeChat refused the access token (%s); renewing it and retrying once", exc.errcode)
            return self._attempt(self._tokens.renew(token), operation, *args, **kwargs)

    def _attempt(self, token, operation, *args, **kwargs):
        self._wechatpy._token = token
        try:
            result = operation(*args, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode is None:  # wechatpy's wrapper of an HTTP error status
                raise error_for_http_status(exc.response.status_code) from exc
            raise error_for(exc.errcode, exc.errmsg) from exc
        except requests.RequestException as exc:
            raise error_for_transport(exc) from exc
        if isinstance(result, requests.Response):  # wechatpy's way of saying "not JSON"
            raise unexpected_answer(f"{result.url} answered non-JSON: {result.text[:200]!r}")
        return result


def _upload(data, filename, kind):
    """A multipart file for requests, its name's suffix made to match its content."""
    stem = PurePosixPath(filename).stem or "image"
    return (f"{stem}{_IMAGE_SUFFIX[kind]}", data, f"image/{kind}")


def _payload(result):
    return {key: value for key, value in result.items() if key not in ("errcode", "errmsg")}
