"""A WeChat Official Account API simulator: a real HTTP server that tests reach through WECHAT_API_BASE.

It implements the endpoints our client uses with WeChat's documented rules and error codes
(developers.weixin.qq.com/doc/service/api/...), so the client runs against it unchanged:

    POST /cgi-bin/stable_token          tokens: lifetime, early renewal, force refresh (20 a day, 30 s apart)
    GET  /cgi-bin/token                 the legacy token; answered, but recorded so tests can forbid it
    POST /cgi-bin/media/uploadimg       body images: JPG/PNG under 1 MB -> url served at /mmbiz/...
    POST /cgi-bin/media/upload          temporary media -> media_id (refused as a draft's cover)
    POST /cgi-bin/material/add_material permanent image -> media_id, url
    POST /cgi-bin/material/add_news     45103: retired
    POST /cgi-bin/draft/add, draft/update
    POST /cgi-bin/freepublish/submit, get (100 a day), batchget, getarticle
    POST /cgi-bin/message/mass/sendall  one a day
    GET  /mmbiz/<name>, /s/<article>    images and article pages, as WeChat's CDN would serve them

Every /cgi-bin/ endpoint but the two token ones checks access_token: 41001 missing, 40014 never
issued, 40001 superseded by a force refresh, 42001 expired.

A test drives it through its methods: `inject(endpoint, fault, times)` for the next calls to
fail (an errcode, "timeout" or "http_500"), `slow(endpoint, seconds)`, `advance(seconds)` of
WeChat's clock, `finish_publish(publish_id, status)` (which pushes the PUBLISHJOBFINISH event
to `callback_url` when set), `seed_published_article(...)`, and inspects `calls_to(endpoint)`,
`drafts`, `publish_jobs`, `published`, `mass_sends`.

Its rule values are written here, not imported from wechat/limits.py, so that the simulator
checks our client against the documentation instead of mirroring our own reading of it.
"""

import base64
import io
import itertools
import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests
from PIL import Image
from wechatpy.crypto import PrpCrypto
from wechatpy.utils import WeChatSigner

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
CONTENT_CHARS_BELOW = 20_000
CONTENT_BYTES_BELOW = 1024 * 1024
SOURCE_URL_MAX_BYTES = 1024
BODY_IMAGE_BYTES_BELOW = 1024 * 1024
MATERIAL_IMAGE_MAX_BYTES = 10 * 1024 * 1024
EARLY_RENEWAL_SECONDS = 300
FORCE_REFRESHES_PER_DAY = 20
FORCE_REFRESH_INTERVAL = 30
PUBLISH_GET_PER_DAY = 100
MASS_SENDS_PER_DAY = 1
BATCH_MAX = 20
BEIJING = ZoneInfo("Asia/Shanghai")

_SIGNATURES = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF8", "gif"), (b"BM", "bmp"))
_CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp"}
_SUFFIXES = {"jpeg": (".jpg", ".jpeg"), "png": (".png",), "gif": (".gif",), "bmp": (".bmp",)}
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def make_image(fmt="PNG", size=(8, 8), color=(200, 30, 30), pad_to=0):
    """Bytes of a small real image; `pad_to` appends bytes (after the image data) to reach a size."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    data = buffer.getvalue()
    return data + b"\0" * max(0, pad_to - len(data))


def _kind(data):
    return next((kind for signature, kind in _SIGNATURES if data.startswith(signature)), None)


class _Reply(Exception):
    """Ends a request with WeChat's JSON error answer."""

    def __init__(self, errcode, errmsg):
        super().__init__(errcode, errmsg)
        self.payload = {"errcode": errcode, "errmsg": errmsg}


@dataclass
class Call:
    """One request to /cgi-bin/, as the simulator received it."""

    endpoint: str  # the path after /cgi-bin/, e.g. "draft/add"
    method: str
    query: dict
    json: object = None  # the parsed JSON body, when there was one
    files: dict = field(default_factory=dict)  # multipart field name -> (filename, content type, size)


class WeChatSimulator:
    """One Official Account as WeChat's API server sees it; `start()` serves it at `base_url`."""

    def __init__(
        self,
        app_id="wx5imu1at0r0000001",
        app_secret="simulator-app-secret",
        *,
        token_lifetime=7200,
        verified=True,
        callback_url=None,
        callback_token="simulator-callback-token",
        aes_key=None,
        message_mode="safe",
        original_id="gh_5imu1at0r001",
        timeout_seconds=3.0,
    ):
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_lifetime = token_lifetime
        self.verified = verified  # freepublish and mass send need a verified account (48001)
        self.callback_url = callback_url
        self.callback_token = callback_token
        # The EncodingAESKey: 43 characters of base64 (32 bytes without its trailing "=").
        self.aes_key = aes_key or base64.b64encode(secrets.token_bytes(32)).decode()[:43]
        self.message_mode = message_mode
        self.original_id = original_id
        self.timeout_seconds = timeout_seconds  # how long a "timeout" fault keeps the client waiting

        self.calls = []
        self.drafts = {}  # media_id -> {"articles": [...], "update_time": int}
        self.materials = {}  # permanent media_id -> {"type", "url"}
        self.temporary_media = {}  # media_id -> {"type", "created_at"}
        self.images = {}  # name under /mmbiz/ -> (content type, bytes)
        self.publish_jobs = {}  # publish_id -> {"media_id", "publish_status", "article_id", "fail_idx"}
        self.published = {}  # article_id -> {"news_item": [...], "update_time": int}
        self.mass_sends = []  # the bodies of accepted message/mass/sendall calls
        self.pushes = []  # (status code, text) of each event pushed to callback_url

        self._tokens = {}  # token -> {"expires_at", "superseded", "stable"}
        self._stable_token = None
        self._last_force_refresh = None
        self._usage = Counter()  # (what, Beijing date) -> count
        self._client_msg_ids = set()
        self._faults = {}  # endpoint -> deque of faults
        self._delays = {}  # endpoint -> seconds
        self._clock_offset = 0.0
        self._ids = itertools.count(2247503051)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self):
        handler = type("Handler", (_Handler,), {"simulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        self._stopping.set()  # wakes requests held by a "timeout" fault
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- test controls -----------------------------------------------------------------

    def inject(self, endpoint, fault, times=1):
        """Make the next `times` calls to `endpoint` fail: an errcode (-1, 45009, 42001, 48001...),
        "timeout" (no answer before the client gives up; nothing is done) or "http_500"."""
        with self._lock:
            self._faults.setdefault(endpoint, deque()).extend([fault] * times)

    def slow(self, endpoint, seconds):
        """Answer every call to `endpoint` after `seconds` (still within a client's timeout)."""
        self._delays[endpoint] = seconds

    def now(self):
        return time.time() + self._clock_offset

    def advance(self, seconds):
        """Move WeChat's clock on: tokens expire, quota days pass."""
        self._clock_offset += seconds

    def calls_to(self, endpoint):
        return [call for call in self.calls if call.endpoint == endpoint]

    def forced_token_calls(self):
        return [call for call in self.calls_to("stable_token") if (call.json or {}).get("force_refresh")]

    def finish_publish(self, publish_id, status=0, fail_idx=None):
        """End a publishing job as WeChat would later, and push PUBLISHJOBFINISH to callback_url if set.

        0 publishes the draft's articles (and removes the draft from the draft box); 2 and 4
        fail the articles in `fail_idx` (all by default); 5 and 6, after a success, mark
        the articles deleted. Returns the job.
        """
        with self._lock:
            job = self.publish_jobs[publish_id]
            draft = self.drafts.get(job["media_id"])
            job["publish_status"] = status
            if status == 0:
                article_id = secrets.token_urlsafe(24)
                items = []
                for idx, article in enumerate(draft["articles"], start=1):
                    url = f"{self.base_url}/s/{article_id}_{idx}"
                    items.append(self._news_item(article, url))
                self.published[article_id] = {"news_item": items, "update_time": int(self.now())}
                job.update(article_id=article_id, fail_idx=[])
                del self.drafts[job["media_id"]]
            elif status in (2, 4):
                job["fail_idx"] = fail_idx or list(range(1, len(draft["articles"]) + 1))
            elif status in (5, 6):
                for item in self.published[job["article_id"]]["news_item"]:
                    item["is_deleted"] = True
            job_copy = dict(job)
        if self.callback_url:
            params, body = self.publish_event(publish_id)
            response = requests.post(
                self.callback_url, params=params, data=body, headers={"Content-Type": "text/xml"}, timeout=10
            )
            self.pushes.append((response.status_code, response.text))
        return job_copy

    def seed_published_article(self, title, paragraphs=("正文。",), images=1, author="", digest=""):
        """An article published earlier (e.g. from WeChat's own editor), with images served here; its article_id."""
        parts = [f"<p>{text}</p>" for text in paragraphs]
        with self._lock:
            for number in range(images):
                url = self._store_image(make_image("JPEG", color=(30, 30 + 20 * number, 200)), "jpeg")
                parts.append(f'<p><img data-src="{url}" src="{url}"></p>')
            article_id = secrets.token_urlsafe(24)
            cover = self._store_image(make_image("JPEG"), "jpeg")
            thumb_media_id = secrets.token_urlsafe(24)
            self.materials[thumb_media_id] = {"type": "image", "url": cover}
            article = {
                "title": title,
                "author": author,
                "digest": digest,
                "content": "".join(parts),
                "content_source_url": "",
                "thumb_media_id": thumb_media_id,
            }
            url = f"{self.base_url}/s/{article_id}_1"
            self.published[article_id] = {"news_item": [self._news_item(article, url)], "update_time": int(self.now())}
        return article_id

    def publish_event(self, publish_id):
        """The query parameters and body of the PUBLISHJOBFINISH push, in `message_mode`."""
        job = self.publish_jobs[publish_id]
        sender = "mphelper"  # the documented sender of this event: the account's mass-send helper
        info = [f"<publish_id>{publish_id}</publish_id>", f"<publish_status>{job['publish_status']}</publish_status>"]
        if job["publish_status"] == 0:
            items = self.published[job["article_id"]]["news_item"]
            info.append(f"<article_id><![CDATA[{job['article_id']}]]></article_id>")
            info.append(f"<article_detail><count>{len(items)}</count>")
            info.extend(
                f"<item><idx>{idx}</idx><article_url><![CDATA[{item['url']}]]></article_url></item>"
                for idx, item in enumerate(items, start=1)
            )
            info.append("</article_detail>")
        info.extend(f"<fail_idx>{idx}</fail_idx>" for idx in job["fail_idx"])
        fields = (
            f"<ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{int(self.now())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[PUBLISHJOBFINISH]]></Event>"
            f"<PublishEventInfo>{''.join(info)}</PublishEventInfo>"
        )
        timestamp, nonce = str(int(self.now())), str(secrets.randbelow(10**10))
        params = {
            "signature": _sign(self.callback_token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": sender,
        }
        if self.message_mode == "plain":
            return params, f"<xml>{fields}</xml>".encode()
        key = base64.b64decode(self.aes_key + "=")
        encrypted = PrpCrypto(key).encrypt(f"<xml>{fields}</xml>", self.app_id).decode()
        params.update(encrypt_type="aes", msg_signature=_sign(self.callback_token, timestamp, nonce, encrypted))
        shown = (
            fields if self.message_mode == "compatible" else f"<ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
        )
        return params, f"<xml>{shown}<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()

    # --- request handling (called by _Handler) -------------------------------------------

    def handle(self, method, path, query, headers, body):
        """(status, content type, body bytes) for one request."""
        if path.startswith("/mmbiz/") and path[len("/mmbiz/") :] in self.images:
            content_type, data = self.images[path[len("/mmbiz/") :]]
            return 200, content_type, data
        if path.startswith("/s/"):
            return self._article_page(path[len("/s/") :])
        if not path.startswith("/cgi-bin/") or path[len("/cgi-bin/") :] not in _ENDPOINTS:
            return 404, "text/html", b"<html><body>404 Not Found</body></html>"
        endpoint = path[len("/cgi-bin/") :]
        call = Call(endpoint, method, query)
        self.calls.append(call)
        try:
            args = self._parse(call, headers, body)
            fault = self._next_fault(endpoint)
            if fault == "timeout":
                self._stopping.wait(self.timeout_seconds)
                raise _Reply(-1, "system error")
            if fault == "http_500":
                return 500, "text/html", b"<html><body>500 Internal Server Error</body></html>"
            if fault is not None:
                raise _Reply(fault, f"simulated fault {fault}")
            if endpoint in self._delays:
                time.sleep(self._delays[endpoint])
            expected_method, needs_token, handler = _ENDPOINTS[endpoint]
            if method != expected_method:
                raise _Reply(43002 if expected_method == "POST" else 43001, f"require {expected_method} method")
            with self._lock:
                if needs_token:
                    self._check_token(query.get("access_token"))
                payload = {"errcode": 0, "errmsg": "ok", **handler(self, args, query)}
        except _Reply as reply:
            payload = reply.payload
        return 200, "application/json; encoding=utf-8", json.dumps(payload, ensure_ascii=False).encode()

    def _parse(self, call, headers, body):
        content_type = headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            parts = _multipart(content_type, body)
            call.files = {name: (filename, ctype, len(data)) for name, (filename, ctype, data) in parts.items()}
            return parts
        if not body:
            return {}
        try:
            call.json = json.loads(body)
        except ValueError:
            raise _Reply(47001, "data format error") from None
        return call.json

    def _next_fault(self, endpoint):
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.popleft() if queue else None

    def _day(self):
        return datetime.fromtimestamp(self.now(), BEIJING).date()

    def _use_quota(self, what, per_day, errcode, errmsg):
        key = (what, self._day())
        if self._usage[key] >= per_day:
            raise _Reply(errcode, errmsg)
        self._usage[key] += 1

    # --- tokens -----------------------------------------------------------------------------

    def _issue(self, stable):
        token = secrets.token_urlsafe(96)
        self._tokens[token] = {"expires_at": self.now() + self.token_lifetime, "superseded": False, "stable": stable}
        return token

    def _check_token(self, token):
        if not token:
            raise _Reply(41001, "access_token missing")
        info = self._tokens.get(token)
        if info is None:
            raise _Reply(40014, "invalid access_token")
        if info["superseded"]:
            raise _Reply(40001, "invalid credential, access_token is invalid or not latest")
        if self.now() >= info["expires_at"]:
            raise _Reply(42001, "access_token expired")

    def _check_credentials(self, grant_type, appid, secret):
        if grant_type != "client_credential":
            raise _Reply(40002, "invalid grant_type")
        if appid != self.app_id:
            raise _Reply(40013, "invalid appid")
        if secret != self.app_secret:
            raise _Reply(40125, "invalid appsecret")

    def _stable_token_endpoint(self, body, query):
        if not isinstance(body, dict):
            raise _Reply(47001, "data format error")
        self._check_credentials(body.get("grant_type"), body.get("appid"), body.get("secret"))
        now = self.now()
        if body.get("force_refresh") is True:
            if self._last_force_refresh is not None and now - self._last_force_refresh < FORCE_REFRESH_INTERVAL:
                raise _Reply(45011, "api minute-quota reach limit mustslower retry next minute")
            self._use_quota("force_refresh", FORCE_REFRESHES_PER_DAY, 45009, "reach max api daily quota limit")
            self._last_force_refresh = now
            for info in self._tokens.values():
                if info["stable"]:
                    info["superseded"] = True
            self._stable_token = self._issue(stable=True)
        else:
            # Normal mode repeats the current token, and renews it in its last five minutes
            # (the old one stays valid until it expires).
            current = self._tokens.get(self._stable_token)
            if current is None or current["superseded"] or current["expires_at"] - now <= EARLY_RENEWAL_SECONDS:
                self._stable_token = self._issue(stable=True)
        expires_in = int(self._tokens[self._stable_token]["expires_at"] - now)
        return {"access_token": self._stable_token, "expires_in": expires_in}

    def _legacy_token_endpoint(self, body, query):
        self._check_credentials(query.get("grant_type"), query.get("appid"), query.get("secret"))
        return {"access_token": self._issue(stable=False), "expires_in": self.token_lifetime}

    # --- media ----------------------------------------------------------------------------

    def _store_image(self, data, kind):
        name = f"{secrets.token_urlsafe(18)}{_SUFFIXES[kind][0]}"
        self.images[name] = (_CONTENT_TYPES[kind], data)
        return f"{self.base_url}/mmbiz/{name}"

    def _media(self, parts, formats, size_ok, size_rule):
        """The kind and bytes of the uploaded "media" field, checked like WeChat: by content and name."""
        if "media" not in parts or not parts["media"][2]:
            raise _Reply(41005, "media data missing")
        filename, _content_type, data = parts["media"]
        kind = _kind(data)
        if kind not in formats or not (filename or "").lower().endswith(_SUFFIXES[kind]):
            raise _Reply(40005, "invalid file type")
        if not size_ok(len(data)):
            raise _Reply(40009, f"invalid image size ({size_rule})")
        return kind, data

    def _uploadimg_endpoint(self, parts, query):
        kind, data = self._media(parts, {"jpeg", "png"}, lambda n: n < BODY_IMAGE_BYTES_BELOW, "under 1 MB")
        return {"url": self._store_image(data, kind)}

    def _add_material_endpoint(self, parts, query):
        if query.get("type") not in ("image", "voice", "video", "thumb"):
            raise _Reply(40004, "invalid media type")
        if query["type"] != "image":
            raise _Reply(40004, "invalid media type (the simulator keeps images only)")
        kind, data = self._media(parts, set(_CONTENT_TYPES), lambda n: n <= MATERIAL_IMAGE_MAX_BYTES, "10 MB at most")
        media_id = secrets.token_urlsafe(32)
        url = self._store_image(data, kind)
        self.materials[media_id] = {"type": "image", "url": url}
        return {"media_id": media_id, "url": url}

    def _upload_temporary_endpoint(self, parts, query):
        if query.get("type") != "image":
            raise _Reply(40004, "invalid media type (the simulator keeps images only)")
        self._media(parts, {"jpeg", "png", "gif"}, lambda n: n <= MATERIAL_IMAGE_MAX_BYTES, "10 MB at most")
        media_id = secrets.token_urlsafe(48)
        created_at = int(self.now())
        self.temporary_media[media_id] = {"type": "image", "created_at": created_at}
        return {"type": "image", "media_id": media_id, "created_at": created_at}

    def _add_news_endpoint(self, body, query):
        raise _Reply(45103, "This API has been unsupported")

    # --- draft box ---------------------------------------------------------------------------

    def _clean_article(self, article):
        """An article as the draft box keeps it, or the errcode WeChat answers for it."""
        if not isinstance(article, dict) or not all(isinstance(article.get(key), str) for key in ("title", "content")):
            raise _Reply(47001, "data format error")
        if not article["title"]:
            raise _Reply(44004, "empty content")
        for key, limit, errcode, errmsg in (
            ("title", TITLE_MAX, 45003, "title size out of limit"),
            ("author", AUTHOR_MAX, 45110, "author size out of limit"),
            ("digest", DIGEST_MAX, 45004, "description size out of limit"),
        ):
            if len(article.get(key) or "") > limit:
                raise _Reply(errcode, errmsg)
        content = article["content"]
        if len(content) >= CONTENT_CHARS_BELOW or len(content.encode()) >= CONTENT_BYTES_BELOW:
            raise _Reply(45002, "content size out of limit")
        if len((article.get("content_source_url") or "").encode()) > SOURCE_URL_MAX_BYTES:
            raise _Reply(45005, "url size out of limit")
        if article.get("thumb_media_id") not in self.materials:  # temporary ids are refused too
            raise _Reply(40007, "invalid media_id")
        # WeChat strips scripts, and images not uploaded through media/uploadimg.
        own_images = f"{self.base_url}/mmbiz/"

        def keep_own_image(match):
            src = _SRC.search(match.group(0))
            return match.group(0) if src and src.group(1).startswith(own_images) else ""

        content = _IMG.sub(keep_own_image, _SCRIPT.sub("", content))
        return {"author": "", "digest": "", "content_source_url": "", **article, "content": content}

    def _draft_add_endpoint(self, body, query):
        articles = body.get("articles") if isinstance(body, dict) else None
        if not isinstance(articles, list) or not articles:
            raise _Reply(47001, "data format error")
        cleaned = [self._clean_article(article) for article in articles]
        media_id = secrets.token_urlsafe(32)
        self.drafts[media_id] = {"articles": cleaned, "update_time": int(self.now())}
        return {"media_id": media_id}

    def _draft_update_endpoint(self, body, query):
        draft = self.drafts.get(body.get("media_id"))
        index = body.get("index")
        if draft is None or not isinstance(index, int) or not 0 <= index < len(draft["articles"]):
            raise _Reply(40007, "invalid media_id")
        if not isinstance(body.get("articles"), dict):  # one article object, as documented
            raise _Reply(47001, "data format error")
        draft["articles"][index] = self._clean_article(body["articles"])
        draft["update_time"] = int(self.now())
        return {}

    # --- publishing -----------------------------------------------------------------------------

    def _require_verified(self):
        if not self.verified:
            raise _Reply(48001, "api unauthorized")

    def _submit_endpoint(self, body, query):
        self._require_verified()
        media_id = body.get("media_id")
        if media_id not in self.drafts:
            raise _Reply(40007, "invalid media_id")
        publish_id = str(next(self._ids))
        self.publish_jobs[publish_id] = {"media_id": media_id, "publish_status": 1, "article_id": None, "fail_idx": []}
        return {"publish_id": publish_id, "msg_data_id": str(next(self._ids))}

    def _publish_get_endpoint(self, body, query):
        self._require_verified()
        self._use_quota("freepublish/get", PUBLISH_GET_PER_DAY, 45009, "reach max api daily quota limit")
        job = self.publish_jobs.get(str(body.get("publish_id")))
        if job is None:
            raise _Reply(53502, "invalid publish_id")
        answer = {"publish_id": str(body["publish_id"]), "publish_status": job["publish_status"]}
        if job["publish_status"] in (0, 5, 6):
            items = self.published[job["article_id"]]["news_item"]
            answer["article_id"] = job["article_id"]
            answer["article_detail"] = {
                "count": len(items),
                "item": [{"idx": idx, "article_url": item["url"]} for idx, item in enumerate(items, start=1)],
            }
        answer["fail_idx"] = job["fail_idx"]
        return answer

    def _batchget_endpoint(self, body, query):
        self._require_verified()
        offset, count = body.get("offset"), body.get("count")
        if not isinstance(offset, int) or offset < 0 or not isinstance(count, int) or not 1 <= count <= BATCH_MAX:
            raise _Reply(47001, "data format error")
        newest_first = sorted(self.published.items(), key=lambda pair: pair[1]["update_time"], reverse=True)
        items = []
        for article_id, entry in newest_first[offset : offset + count]:
            news_item = [
                {key: value for key, value in item.items() if not (body.get("no_content") and key == "content")}
                for item in entry["news_item"]
            ]
            items.append(
                {"article_id": article_id, "content": {"news_item": news_item}, "update_time": entry["update_time"]}
            )
        return {"total_count": len(self.published), "item_count": len(items), "item": items}

    def _getarticle_endpoint(self, body, query):
        self._require_verified()
        entry = self.published.get(body.get("article_id"))
        if entry is None:
            raise _Reply(53600, "invalid article_id")
        return {"news_item": entry["news_item"]}

    def _news_item(self, article, url):
        return {
            "title": article["title"],
            "author": article.get("author", ""),
            "digest": article.get("digest", ""),
            "content": article["content"],
            "content_source_url": article.get("content_source_url", ""),
            "thumb_media_id": article["thumb_media_id"],
            "thumb_url": self.materials[article["thumb_media_id"]]["url"],
            "need_open_comment": article.get("need_open_comment", 0),
            "only_fans_can_comment": article.get("only_fans_can_comment", 0),
            "url": url,
            "is_deleted": False,
        }

    def _article_page(self, key):
        article_id, _, idx = key.rpartition("_")
        entry = self.published.get(article_id)
        if entry is None or not idx.isdigit() or not 1 <= int(idx) <= len(entry["news_item"]):
            return 404, "text/html", b"<html><body>404 Not Found</body></html>"
        item = entry["news_item"][int(idx) - 1]
        page = f'<html><body><h1 id="activity-name">{item["title"]}</h1><div id="js_content">{item["content"]}</div></body></html>'
        return 200, "text/html; charset=utf-8", page.encode()

    # --- mass send ----------------------------------------------------------------------------

    def _sendall_endpoint(self, body, query):
        self._require_verified()
        audience = body.get("filter") or {}
        media_id = (body.get("mpnews") or {}).get("media_id")
        if body.get("msgtype") != "mpnews" or not (audience.get("is_to_all") or audience.get("tag_id")):
            raise _Reply(47001, "data format error")
        if media_id not in self.drafts:
            raise _Reply(40007, "invalid media_id")
        client_msg_id = body.get("clientmsgid")
        if client_msg_id is not None and client_msg_id in self._client_msg_ids:
            raise _Reply(45065, "clientmsgid exist")
        self._use_quota("mass_send", MASS_SENDS_PER_DAY, 45028, "has no masssend quota")
        if client_msg_id is not None:
            self._client_msg_ids.add(client_msg_id)
        self.mass_sends.append(body)
        del self.drafts[media_id]
        return {"errmsg": "send job submission success", "msg_id": next(self._ids), "msg_data_id": next(self._ids)}


# endpoint -> (method, checks access_token, handler(simulator, parsed body, query))
_ENDPOINTS = {
    "stable_token": ("POST", False, WeChatSimulator._stable_token_endpoint),
    "token": ("GET", False, WeChatSimulator._legacy_token_endpoint),
    "media/uploadimg": ("POST", True, WeChatSimulator._uploadimg_endpoint),
    "media/upload": ("POST", True, WeChatSimulator._upload_temporary_endpoint),
    "material/add_material": ("POST", True, WeChatSimulator._add_material_endpoint),
    "material/add_news": ("POST", True, WeChatSimulator._add_news_endpoint),
    "draft/add": ("POST", True, WeChatSimulator._draft_add_endpoint),
    "draft/update": ("POST", True, WeChatSimulator._draft_update_endpoint),
    "freepublish/submit": ("POST", True, WeChatSimulator._submit_endpoint),
    "freepublish/get": ("POST", True, WeChatSimulator._publish_get_endpoint),
    "freepublish/batchget": ("POST", True, WeChatSimulator._batchget_endpoint),
    "freepublish/getarticle": ("POST", True, WeChatSimulator._getarticle_endpoint),
    "message/mass/sendall": ("POST", True, WeChatSimulator._sendall_endpoint),
}


def _sign(*values):
    signer = WeChatSigner()
    signer.add_data(*values)
    return signer.signature


def _multipart(content_type, body):
    """field name -> (filename, content type, bytes) of a multipart/form-data body."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not boundary:
        raise _Reply(41005, "media data missing")
    parts = {}
    for chunk in body.split(b"--" + boundary.group(1).encode())[1:-1]:
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        ctype = re.search(r"content-type:\s*(\S+)", headers, re.IGNORECASE)
        if name:
            parts[name.group(1)] = (
                filename.group(1) if filename else None,
                ctype.group(1) if ctype else None,
                data.removesuffix(b"\r\n"),
            )
    return parts


class _Handler(BaseHTTPRequestHandler):
    simulator = None  # set on the subclass made by WeChatSimulator.start()

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method):
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, content_type, payload = self.simulator.handle(method, url.path, query, self.headers, body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a "timeout" fault)

    def log_message(self, format, *args):
        pass  # quiet test output
