"""The callback WeChat's servers call: URL verification (GET) and pushed messages (POST).

Statuses: 400 for a request we cannot read, 403 for one we must not believe (bad
signature, another AppID, a timestamp outside the window: a replay is refused like
a forgery), 413 for a body over MAX_BODY_BYTES. A verified message is handed to
`wechat.events.handle_event` and answered "success", which WeChat accepts without
encryption in every mode.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from wechat.crypto import (
    InvalidSignature,
    MalformedMessage,
    MessageCrypto,
    StaleTimestamp,
    check_signature,
    check_timestamp,
    parse_xml,
)
from wechat.events import handle_event

logger = logging.getLogger(__name__)

# WeChat's event messages are a few KiB; anything much larger is not from WeChat.
MAX_BODY_BYTES = 64 * 1024

MODES = ("plain", "compatible", "safe")


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _params(request, *names: str) -> list[str]:
    values = [request.GET.get(name, "") for name in names]
    if not all(values):
        raise MalformedMessage(f"missing query parameter: one of {', '.join(names)}")
    return values


@csrf_exempt  # WeChat's servers sign requests; they cannot send a CSRF token
@require_http_methods(["GET", "POST"])
def callback(request):
    token = getattr(settings, "WECHAT_TOKEN", "")
    if not token:
        raise Http404("WeChat channel is off")
    try:
        if request.method == "GET":
            return _verify_url(request, token)
        return _receive(request, token)
    except MalformedMessage as exc:
        logger.warning("WeChat callback refused (400): %s", exc)
        return _text("bad request", 400)
    except (InvalidSignature, StaleTimestamp) as exc:
        logger.warning("WeChat callback refused (403): %s", exc)
        return _text("forbidden", 403)


def _verify_url(request, token: str) -> HttpResponse:
    # Official Accounts verify the URL in plain text whatever the message mode.
    signature, timestamp, nonce, echostr = _params(request, "signature", "timestamp", "nonce", "echostr")
    check_timestamp(timestamp)
    check_signature(token, signature, timestamp, nonce)
    return _text(echostr)


def _crypto(token: str) -> MessageCrypto:
    try:
        return MessageCrypto(token, getattr(settings, "WECHAT_AES_KEY", ""), getattr(settings, "WECHAT_APP_ID", ""))
    except ValueError as exc:
        raise ImproperlyConfigured(f"WECHAT_AES_KEY / WECHAT_APP_ID: {exc}") from exc


def _receive(request, token: str) -> HttpResponse:
    mode = getattr(settings, "WECHAT_MESSAGE_MODE", "safe")
    if mode not in MODES:
        raise ImproperlyConfigured(f"WECHAT_MESSAGE_MODE must be one of {', '.join(MODES)}")
    # Refuse on the declared length before reading; check the read length too,
    # for servers that pass bodies without one.
    try:
        declared_length = int(request.headers.get("Content-Length") or 0)
    except ValueError as exc:
        raise MalformedMessage("bad Content-Length") from exc
    if declared_length > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return _text("payload too large", 413)
    timestamp, nonce = _params(request, "timestamp", "nonce")
    check_timestamp(timestamp)

    if mode == "plain":
        # Check the signature first, so that unsigned requests cost no parsing.
        check_signature(token, request.GET.get("signature", ""), timestamp, nonce)
        message = parse_xml(request.body)
    else:
        envelope = parse_xml(request.body)
        if "Encrypt" in envelope:
            # In compatible mode the plain fields beside Encrypt are covered by no
            # signature: only the decrypted copy is used.
            plain = _crypto(token).decrypt_message(envelope, request.GET.get("msg_signature", ""), timestamp, nonce)
            message = parse_xml(plain.encode("utf-8"))
        elif mode == "compatible":
            # Without Encrypt, compatible mode takes the message as plain mode does.
            check_signature(token, request.GET.get("signature", ""), timestamp, nonce)
            message = envelope
        else:
            raise MalformedMessage("safe mode expects an encrypted message")

    handle_event(message)
    return _text("success")
