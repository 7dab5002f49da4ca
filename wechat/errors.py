"""What a failed WeChat call means for us: retry it later, or tell the editors what to fix.

Every error carries WeChat's `errcode` and `errmsg` (for logs and for code that needs a
particular case) and `message`, a sentence in plain language for the editors
(translated; it is what the sync-state row shows in the admin).

    WeChatError
    ├── WeChatTransientError      retry later: system busy, rate limit, timeout, 5xx
    │   └── WeChatTokenError      the access token could not be renewed (yet)
    └── WeChatPermanentError      the request itself is wrong: invalid media, too long...
        └── WeChatUnauthorizedError   the account may not do this (not verified, wrong secret...)
"""

import requests
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wechat import limits

# Codes that say the access token used is expired or not the latest one.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# System busy, call frequency or daily quota, "publishing requested too often".
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45011, 53501})
# Fixed only by an administrator: credentials, IP whitelist, unverified or restricted account.
UNAUTHORIZED_ERRCODES = frozenset({40013, 40125, 40164, 41002, 41004, 48001, 48004, 50002, 53500})

_MB = 1024 * 1024
_TOKEN_MESSAGE = _("The WeChat access token has expired and could not be renewed yet. The sync will be retried.")
_FREQUENCY_MESSAGE = _("Too many requests to WeChat, or today's quota is used up. The sync will be retried later.")
_CREDENTIALS_MESSAGE = _(
    "The Official Account's AppID or AppSecret is wrong. Ask an administrator to check the WeChat settings."
)
_RESTRICTED_MESSAGE = _(
    "WeChat has restricted this function for the Official Account. See the notices in the WeChat admin."
)
# Our own refusals to force a token refresh (limits in wechat/limits.py), and the token lock.
FORCE_REFRESH_TOO_SOON_MESSAGE = _("The WeChat access token was renewed moments ago. The sync will be retried shortly.")
FORCE_REFRESH_USED_UP_MESSAGE = format_lazy(
    _("WeChat allows renewing the access token by force only {limit} times a day, and today's are used up."),
    limit=limits.FORCE_REFRESH_PER_DAY,
)
TOKEN_LOCK_TIMEOUT_MESSAGE = _(
    "Another worker is fetching the WeChat access token and has not finished. The sync will be retried."
)
_IMAGE_SIZE_MESSAGE = format_lazy(
    _(
        "The image is too large: images in the article body must be under {body_mb} MB, the cover at most {cover_mb} MB."
    ),
    body_mb=limits.BODY_IMAGE_BYTE_LIMIT // _MB,
    cover_mb=limits.PERMANENT_IMAGE_MAX_BYTES // _MB,
)

EDITOR_MESSAGES = {
    -1: _("WeChat is busy. The sync will be retried automatically."),
    40001: _TOKEN_MESSAGE,
    40014: _TOKEN_MESSAGE,
    42001: _TOKEN_MESSAGE,
    45009: _FREQUENCY_MESSAGE,
    45011: _FREQUENCY_MESSAGE,
    53501: _FREQUENCY_MESSAGE,
    40004: _("WeChat does not accept this kind of file."),
    40005: _(
        "The image format is not accepted: images in the article body must be JPG or PNG, a cover may also be GIF or BMP."
    ),
    40006: _IMAGE_SIZE_MESSAGE,
    40009: _IMAGE_SIZE_MESSAGE,
    45001: _IMAGE_SIZE_MESSAGE,
    40007: _(
        "WeChat cannot find an image or draft this article uses (it may have expired or been deleted). "
        "The cover must be a permanent image."
    ),
    45002: format_lazy(
        _("The article body is too long: WeChat accepts fewer than {chars} characters and less than {mb} MB."),
        chars=limits.CONTENT_CHAR_LIMIT,
        mb=limits.CONTENT_BYTE_LIMIT // _MB,
    ),
    45003: format_lazy(
        _("The title is longer than the {limit} characters WeChat allows."), limit=limits.TITLE_MAX_CHARS
    ),
    45004: format_lazy(
        _("The summary is longer than the {limit} characters WeChat allows."), limit=limits.DIGEST_MAX_CHARS
    ),
    45110: format_lazy(
        _("The author's name is longer than the {limit} characters WeChat allows."), limit=limits.AUTHOR_MAX_CHARS
    ),
    45005: format_lazy(
        _("The link to the original article is longer than the {limit} bytes WeChat allows."),
        limit=limits.CONTENT_SOURCE_URL_MAX_BYTES,
    ),
    45028: _("Today's mass send is used up: WeChat allows one a day."),
    45065: _("This mass send has already been made."),
    45103: _("This WeChat interface has been retired."),
    53502: _("WeChat does not know this publishing job."),
    53600: _("WeChat cannot find this published article."),
    40013: _CREDENTIALS_MESSAGE,
    40125: _CREDENTIALS_MESSAGE,
    41002: _CREDENTIALS_MESSAGE,
    41004: _CREDENTIALS_MESSAGE,
    40164: _("This server's IP address is not on the Official Account's IP whitelist. Ask an administrator to add it."),
    48001: _(
        "The Official Account may not use this WeChat function: publishing through the API needs a verified "
        "account. Ask an administrator."
    ),
    48004: _RESTRICTED_MESSAGE,
    50002: _RESTRICTED_MESSAGE,
    53500: _RESTRICTED_MESSAGE,
}


class WeChatError(Exception):
    """A WeChat call failed. `errcode` is None when WeChat gave none (network, HTTP status)."""

    default_message = _("WeChat could not process the request.")

    def __init__(self, errcode=None, errmsg="", message=None):
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg
        self.message = EDITOR_MESSAGES.get(errcode, self.default_message) if message is None else message

    def __str__(self):
        return f"WeChat error {self.errcode}: {self.errmsg}"

    def __reduce__(self):
        # Keeps an explicit message when the error crosses a process boundary (Celery results).
        return type(self), (self.errcode, self.errmsg, self.message)


class WeChatTransientError(WeChatError):
    """Worth retrying later with backoff: WeChat was busy, slow, unreachable or rate-limited."""

    default_message = _("WeChat could not be reached just now. The sync will be retried automatically.")


class WeChatTokenError(WeChatTransientError):
    """The access token was refused and a new one cannot be had now (force-refresh limits)."""

    default_message = _TOKEN_MESSAGE


class WeChatPermanentError(WeChatError):
    """Retrying will not help: the content or media must change. Shown to the editors."""

    def __init__(self, errcode=None, errmsg="", message=None):
        if message is None and errcode not in EDITOR_MESSAGES:
            message = format_lazy(
                _("WeChat refused the article (error {errcode}). Check its content and publish it again."),
                errcode=errcode,
            )
        super().__init__(errcode, errmsg, message)


class WeChatUnauthorizedError(WeChatPermanentError):
    """The account may not do this until an administrator acts (verification, secret, IP whitelist)."""


def error_for(errcode, errmsg=""):
    """The exception for an errcode WeChat answered with; codes we do not know are permanent."""
    if errcode in TOKEN_ERRCODES:
        return WeChatTokenError(errcode, errmsg)
    if errcode in TRANSIENT_ERRCODES:
        return WeChatTransientError(errcode, errmsg)
    if errcode in UNAUTHORIZED_ERRCODES:
        return WeChatUnauthorizedError(errcode, errmsg)
    return WeChatPermanentError(errcode, errmsg)


def error_for_http_status(status):
    """The exception for an HTTP error status in place of WeChat's JSON answer."""
    if status >= 500:
        return WeChatTransientError(
            None, f"HTTP {status}", _("WeChat's server had an error. The sync will be retried automatically.")
        )
    return unexpected_answer(f"HTTP {status}")


def error_for_transport(exc):
    """The exception for a request that got no answer at all (a requests exception)."""
    if isinstance(exc, requests.Timeout):
        return WeChatTransientError(
            None, f"timeout: {exc}", _("WeChat did not answer in time. The sync will be retried automatically.")
        )
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return WeChatTransientError(
            None, f"connection failed: {exc}", _("Could not connect to WeChat. The sync will be retried automatically.")
        )
    return unexpected_answer(f"{type(exc).__name__}: {exc}")


def unexpected_answer(detail):
    """A request or answer that is not WeChat's protocol (bad URL, HTML instead of JSON): a setup problem."""
    return WeChatPermanentError(
        None, detail, _("WeChat answered in an unexpected way. Ask an administrator to check the logs.")
    )
