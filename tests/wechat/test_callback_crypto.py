"""The WeChat callback: crypto conformance with Tencent's published vectors, and the view.

Vectors named DOC_* come from WeChat's official worked example, published in
"消息加解密说明" (https://developers.weixin.qq.com/doc/subscription/guide/dev/push/encryption.md)
and, with the same values, in the mini program "消息推送" guide
(https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html).
Its message body there is JSON; the signature and the cipher do not depend on that.

Vectors named LEGACY_* come from Tencent's 2014 WXBizMsgCrypt sample (Sample.py in
the Python folder of the official sample code download,
https://wximg.gtimg.com/shake_tv/mpwiki/cryptoDemo.zip; read from its copy in the
GitHub repository vhash/WXBizMsgCrypt, file Sample.py). The sample gives no expected
plaintext; its message is in compatible-mode shape, so the plain fields beside
Encrypt are what the ciphertext must decrypt to.

Everything else is built here (labelled "constructed"): encrypted with wechatpy's
PrpCrypto and signed with hashlib, not with the code under test.
"""

import base64
import hashlib
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from defusedxml import DefusedXmlException
from django.test import override_settings
from freezegun import freeze_time
from wechatpy.crypto import PrpCrypto
from wechatpy.crypto.base import WeChatCipher

from wechat import crypto, events
from wechat.crypto import InvalidSignature, MalformedMessage, MessageCrypto, StaleTimestamp

URL = "/wechat/callback/"

# --- Official worked example (消息加解密说明) ---------------------------------------

DOC_TOKEN = "AAAAA"
DOC_AES_KEY = "A" * 43
DOC_APP_ID = "wxba5fad812f8e6fb9"

DOC_VERIFY = {
    "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
    "echostr": "4375120948345356249",
    "timestamp": "1714036504",
    "nonce": "1514711492",
}
DOC_PLAIN = {"signature": "899cf89e464efb63f54ddac96b0a0a235f53aa78", "timestamp": "1714037059", "nonce": "486452656"}

DOC_SAFE_SIGNATURE = "6c5c811b55cc85e0e1b54100749188c20beb3f5d"
DOC_SAFE_MSG_SIGNATURE = "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
DOC_SAFE_TIMESTAMP = "1714112445"
DOC_SAFE_NONCE = "415670741"
DOC_SAFE_ENCRYPT = (
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXU"
    "nnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajA"
    "sjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
)
DOC_SAFE_PLAINTEXT = (
    '{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY",'
    '"CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}'
)

DOC_REPLY_RANDOM = "707722b803182950"
DOC_REPLY_PLAINTEXT = '{"demo_resp":"good luck"}'
DOC_REPLY_TIMESTAMP = "1713424427"
DOC_REPLY_NONCE = "415670741"
DOC_REPLY_ENCRYPT = "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="
DOC_REPLY_MSG_SIGNATURE = "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"

# --- Legacy official sample (WXBizMsgCrypt Sample.py) -------------------------------

LEGACY_TOKEN = "spamtest"
LEGACY_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
LEGACY_APP_ID = "wx2c2769f8efd9abc2"
LEGACY_TIMESTAMP = "1409735669"
LEGACY_NONCE = "1320562132"
LEGACY_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
LEGACY_FROM_XML = (
    b"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    b"</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
    b"</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B6"
    b"55HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41Iz"
    b"DWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ"
    b"6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrc"
    b"pCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>"
)
LEGACY_PLAIN_FIELDS = {
    "ToUserName": "gh_10f6c3c3ac5a",
    "FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
    "CreateTime": "1409735668",
    "MsgType": "text",
    "Content": "abcdteT",
    "MsgId": "6054768590064713728",
}

# --- Constructed values for the view tests ------------------------------------------

TOKEN = "qianxian-library-token"
AES_KEY = base64.b64encode(hashlib.sha256(b"qianxian library test key").digest()).decode()[:43]
APP_ID = "wx1f2e3d4c5b6a7980"
NONCE = "1357924680"

PUBLISHED = """<xml>
<ToUserName><![CDATA[gh_5a6b7c8d9e0f]]></ToUserName>
<FromUserName><![CDATA[oQianxianSystemPush000000000]]></FromUserName>
<CreateTime>1735689600</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[PUBLISHJOBFINISH]]></Event>
<PublishEventInfo>
<publish_id>2247500001</publish_id>
<publish_status>{status}</publish_status>
<article_id><![CDATA[QxLib-annual-report-2020]]></article_id>
<article_detail>
<count>2</count>
<item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/qianxian-first]]></article_url></item>
<item><idx>2</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/qianxian-second]]></article_url></item>
</article_detail>
</PublishEventInfo>
</xml>"""

PUBLISH_FAILED = """<xml>
<ToUserName><![CDATA[gh_5a6b7c8d9e0f]]></ToUserName>
<FromUserName><![CDATA[oQianxianSystemPush000000000]]></FromUserName>
<CreateTime>1735689600</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[PUBLISHJOBFINISH]]></Event>
<PublishEventInfo>
<publish_id>2247500002</publish_id>
<publish_status>2</publish_status>
<fail_idx>1</fail_idx>
<fail_idx>2</fail_idx>
</PublishEventInfo>
</xml>"""

EXPECTED_INFO = {
    "publish_id": "2247500001",
    "publish_status": "0",
    "article_id": "QxLib-annual-report-2020",
    "article_detail": {
        "count": "2",
        "item": [
            {"idx": "1", "article_url": "https://mp.weixin.qq.com/s/qianxian-first"},
            {"idx": "2", "article_url": "https://mp.weixin.qq.com/s/qianxian-second"},
        ],
    },
}


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?><!DOCTYPE xml [{"".join(entities)}]><xml><Content>&lol9;</Content></xml>'.encode()


XXE = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
DEEP = b"<xml>" + b"<a>" * 5000 + b"x" + b"</a>" * 5000 + b"</xml>"


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _encrypt(xml: str, app_id: str = APP_ID) -> str:
    return PrpCrypto(base64.b64decode(AES_KEY + "=")).encrypt(xml, app_id).decode()


def _now() -> str:
    return str(int(time.time()))


def _plain_query(timestamp: str | None = None) -> dict:
    timestamp = timestamp or _now()
    return {"timestamp": timestamp, "nonce": NONCE, "signature": _sign(TOKEN, timestamp, NONCE)}


def _encrypted_query(encrypt: str, timestamp: str | None = None) -> dict:
    query = _plain_query(timestamp)
    return {**query, "encrypt_type": "aes", "msg_signature": _sign(TOKEN, query["timestamp"], NONCE, encrypt)}


def _envelope(encrypt: str, plain_fields: str = "") -> bytes:
    return f"<xml><ToUserName><![CDATA[gh_5a6b7c8d9e0f]]></ToUserName>{plain_fields}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()


def _post(client, query: dict, body: bytes):
    return client.post(f"{URL}?{urlencode(query)}", data=body, content_type="text/xml")


def _at(timestamp: str):
    return freeze_time(datetime.fromtimestamp(int(timestamp), tz=UTC))


def wechat_settings(mode: str = "safe", **overrides):
    values = {"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY, "WECHAT_APP_ID": APP_ID, "WECHAT_MESSAGE_MODE": mode}
    return override_settings(**(values | overrides))


@pytest.fixture
def received(monkeypatch):
    """The PUBLISHJOBFINISH events that reached a registered handler."""
    monkeypatch.setattr(events, "_handlers", {})
    calls = []
    events.register_handler(events.PUBLISH_JOB_FINISH, calls.append)
    return calls


# --- Conformance: official worked example -------------------------------------------


@pytest.mark.parametrize(
    ("signature", "timestamp", "nonce"),
    [
        (DOC_VERIFY["signature"], DOC_VERIFY["timestamp"], DOC_VERIFY["nonce"]),
        (DOC_PLAIN["signature"], DOC_PLAIN["timestamp"], DOC_PLAIN["nonce"]),
        (DOC_SAFE_SIGNATURE, DOC_SAFE_TIMESTAMP, DOC_SAFE_NONCE),
    ],
)
def test_doc_signatures_verify(signature, timestamp, nonce):
    crypto.check_signature(DOC_TOKEN, signature, timestamp, nonce)
    with pytest.raises(InvalidSignature):
        crypto.check_signature(DOC_TOKEN, signature, timestamp, str(int(nonce) + 1))


def test_doc_safe_mode_message_decrypts_to_the_published_plaintext():
    doc = MessageCrypto(DOC_TOKEN, DOC_AES_KEY, DOC_APP_ID)
    envelope = {"ToUserName": "gh_97417a04a28d", "Encrypt": DOC_SAFE_ENCRYPT}
    assert crypto.compute_signature(DOC_TOKEN, DOC_SAFE_TIMESTAMP, DOC_SAFE_NONCE, DOC_SAFE_ENCRYPT) == (
        DOC_SAFE_MSG_SIGNATURE
    )
    plain = doc.decrypt_message(envelope, DOC_SAFE_MSG_SIGNATURE, DOC_SAFE_TIMESTAMP, DOC_SAFE_NONCE)
    assert plain == DOC_SAFE_PLAINTEXT


def test_doc_safe_mode_example_has_19_bytes_of_padding():
    # The document: TmpMsg is 224 bytes, FullStr 205 (16 + 4 + 167 + 18): 19 bytes of 0x13.
    padded = WeChatCipher(base64.b64decode(DOC_AES_KEY + "=")).decrypt(base64.b64decode(DOC_SAFE_ENCRYPT))
    assert len(padded) == 224
    assert padded.endswith(b"\x13" * 19) and padded[-20] != 0x13
    assert padded[:16] == b"a8eedb185eb2fecf"
    assert padded[16:20] == (167).to_bytes(4, "big")


def test_doc_safe_mode_example_rejects_tampering():
    envelope = {"Encrypt": DOC_SAFE_ENCRYPT}
    with pytest.raises(InvalidSignature):
        MessageCrypto(DOC_TOKEN, DOC_AES_KEY, DOC_APP_ID).decrypt_message(
            envelope, DOC_SAFE_SIGNATURE, DOC_SAFE_TIMESTAMP, DOC_SAFE_NONCE
        )
    with pytest.raises(InvalidSignature, match="another AppID"):
        MessageCrypto(DOC_TOKEN, DOC_AES_KEY, "wx0000000000000000").decrypt_message(
            envelope, DOC_SAFE_MSG_SIGNATURE, DOC_SAFE_TIMESTAMP, DOC_SAFE_NONCE
        )


def test_doc_reply_encrypts_to_the_published_envelope(monkeypatch):
    monkeypatch.setattr(crypto._ReplyPrpCrypto, "get_random_string", lambda self: DOC_REPLY_RANDOM)
    doc = MessageCrypto(DOC_TOKEN, DOC_AES_KEY, DOC_APP_ID)
    reply = crypto.parse_xml(doc.encrypt_reply(DOC_REPLY_PLAINTEXT, DOC_REPLY_NONCE, DOC_REPLY_TIMESTAMP).encode())
    assert reply == {
        "Encrypt": DOC_REPLY_ENCRYPT,
        "MsgSignature": DOC_REPLY_MSG_SIGNATURE,
        "TimeStamp": DOC_REPLY_TIMESTAMP,
        "Nonce": DOC_REPLY_NONCE,
    }
    # FullStr is 63 bytes, so one byte of padding makes the 64 the document gives.
    assert len(base64.b64decode(DOC_REPLY_ENCRYPT)) == 64


# --- Conformance: legacy official sample --------------------------------------------


def test_legacy_sample_verifies_and_decrypts_to_its_plain_fields():
    legacy = MessageCrypto(LEGACY_TOKEN, LEGACY_AES_KEY, LEGACY_APP_ID)
    plain = legacy.decrypt_message(LEGACY_FROM_XML, LEGACY_MSG_SIGNATURE, LEGACY_TIMESTAMP, LEGACY_NONCE)
    assert crypto.parse_xml(plain.encode()) == LEGACY_PLAIN_FIELDS
    with pytest.raises(InvalidSignature):
        legacy.decrypt_message(LEGACY_FROM_XML, LEGACY_MSG_SIGNATURE, LEGACY_TIMESTAMP, "1320562133")


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_legacy_sample_through_the_view(client, monkeypatch, mode):
    handled = []
    monkeypatch.setattr("wechat.views.handle_event", handled.append)
    query = {"timestamp": LEGACY_TIMESTAMP, "nonce": LEGACY_NONCE, "msg_signature": LEGACY_MSG_SIGNATURE}
    legacy = {"WECHAT_TOKEN": LEGACY_TOKEN, "WECHAT_AES_KEY": LEGACY_AES_KEY, "WECHAT_APP_ID": LEGACY_APP_ID}
    with wechat_settings(mode, **legacy), _at(LEGACY_TIMESTAMP):
        response = _post(client, query, LEGACY_FROM_XML)
    assert response.status_code == 200 and response.content == b"success"
    assert handled == [LEGACY_PLAIN_FIELDS]


# --- Constructed round trips --------------------------------------------------------


def test_reply_round_trip_and_fresh_random_prefix():
    ours = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    first = crypto.parse_xml(ours.encrypt_reply("<xml><Content>你好</Content></xml>", NONCE).encode())
    second = crypto.parse_xml(ours.encrypt_reply("<xml><Content>你好</Content></xml>", NONCE).encode())
    assert first["Encrypt"] != second["Encrypt"]
    plain = ours.decrypt_message(first, first["MsgSignature"], first["TimeStamp"], first["Nonce"])
    assert plain == "<xml><Content>你好</Content></xml>"


def test_bad_encoding_aes_key_is_refused():
    with pytest.raises(ValueError):
        MessageCrypto(TOKEN, AES_KEY[:-1], APP_ID)
    with pytest.raises(ValueError):
        MessageCrypto(TOKEN, "!" * 43, APP_ID)


def test_timestamp_window():
    now = 1_800_000_000
    assert crypto.check_timestamp(str(now - crypto.TIMESTAMP_WINDOW), now=now) == now - crypto.TIMESTAMP_WINDOW
    for stale in (now - crypto.TIMESTAMP_WINDOW - 1, now + crypto.TIMESTAMP_WINDOW + 1):
        with pytest.raises(StaleTimestamp):
            crypto.check_timestamp(str(stale), now=now)
    for bad in ("", "-5", "1e9", "１２３"):
        with pytest.raises(MalformedMessage):
            crypto.check_timestamp(bad, now=now)


@pytest.mark.parametrize("body", [_billion_laughs(), XXE])
def test_parser_refuses_any_doctype_before_expanding(body):
    with pytest.raises(MalformedMessage) as info:
        crypto.parse_xml(body)
    assert isinstance(info.value.__cause__, DefusedXmlException)


# --- URL verification (GET) ---------------------------------------------------------


def test_get_echoes_echostr_for_the_doc_vector(client):
    with wechat_settings(WECHAT_TOKEN=DOC_TOKEN), _at(DOC_VERIFY["timestamp"]):
        response = client.get(URL, DOC_VERIFY)
    assert response.status_code == 200
    assert response.content == DOC_VERIFY["echostr"].encode()
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("signature", ["0" * 40, DOC_PLAIN["signature"], "签名"])
def test_get_with_bad_signature_is_forbidden(client, signature):
    with wechat_settings(WECHAT_TOKEN=DOC_TOKEN), _at(DOC_VERIFY["timestamp"]):
        response = client.get(URL, {**DOC_VERIFY, "signature": signature})
    assert response.status_code == 403
    assert DOC_VERIFY["echostr"].encode() not in response.content


@pytest.mark.parametrize("missing", ["signature", "timestamp", "nonce", "echostr"])
def test_get_with_missing_parameter_is_bad_request(client, missing):
    query = {key: value for key, value in DOC_VERIFY.items() if key != missing}
    with wechat_settings(WECHAT_TOKEN=DOC_TOKEN), _at(DOC_VERIFY["timestamp"]):
        assert client.get(URL, query).status_code == 400


def test_get_with_a_stale_timestamp_is_forbidden(client):
    with wechat_settings(WECHAT_TOKEN=DOC_TOKEN):  # today is years after the example
        assert client.get(URL, DOC_VERIFY).status_code == 403


@pytest.mark.django_db  # the 404 passes Wagtail's redirect middleware, which reads the database
def test_channel_off_without_a_token(client):
    with wechat_settings(WECHAT_TOKEN=""):
        assert client.get(URL, _plain_query()).status_code == 404


def test_other_methods_are_not_allowed(client):
    with wechat_settings():
        assert client.put(URL).status_code == 405


# --- PUBLISHJOBFINISH in the three modes (constructed) --------------------------------


def test_plain_mode_event_reaches_the_handler(client, received):
    with wechat_settings("plain"):
        response = _post(client, _plain_query(), PUBLISHED.format(status=0).encode())
    assert response.status_code == 200 and response.content == b"success"
    [event] = received
    assert event["Event"] == "PUBLISHJOBFINISH" and event["MsgType"] == "event"
    assert event["PublishEventInfo"] == EXPECTED_INFO


def test_compatible_mode_uses_the_decrypted_copy(client, received):
    encrypt = _encrypt(PUBLISHED.format(status=0))
    # The plain fields say "failed"; they are covered by no signature and must be ignored.
    tampered = PUBLISHED.format(status=1).removeprefix("<xml>").removesuffix("</xml>")
    with wechat_settings("compatible"):
        response = _post(client, _encrypted_query(encrypt), _envelope(encrypt, tampered))
    assert response.status_code == 200 and response.content == b"success"
    [event] = received
    assert event["PublishEventInfo"] == EXPECTED_INFO
    assert "Encrypt" not in event


def test_compatible_mode_accepts_a_signed_plain_message(client, received):
    with wechat_settings("compatible"):
        response = _post(client, _plain_query(), PUBLISHED.format(status=0).encode())
    assert response.status_code == 200
    assert received[0]["PublishEventInfo"] == EXPECTED_INFO


def test_safe_mode_event_reaches_the_handler(client, received):
    encrypt = _encrypt(PUBLISHED.format(status=0))
    with wechat_settings("safe"):
        response = _post(client, _encrypted_query(encrypt), _envelope(encrypt))
    assert response.status_code == 200 and response.content == b"success"
    [event] = received
    assert event["ToUserName"] == "gh_5a6b7c8d9e0f"
    assert event["PublishEventInfo"] == EXPECTED_INFO


def test_safe_mode_failed_publish_lists_fail_idx(client, received):
    encrypt = _encrypt(PUBLISH_FAILED)
    with wechat_settings("safe"):
        response = _post(client, _encrypted_query(encrypt), _envelope(encrypt))
    assert response.status_code == 200
    assert received[0]["PublishEventInfo"] == {
        "publish_id": "2247500002",
        "publish_status": "2",
        "fail_idx": ["1", "2"],
    }


def test_unhandled_messages_are_answered_and_logged(client, received, caplog):
    with wechat_settings("plain"), caplog.at_level("INFO", logger="wechat.events"):
        body = b"<xml><MsgType>event</MsgType><Event>subscribe</Event></xml>"
        response = _post(client, _plain_query(), body)
    assert response.status_code == 200 and response.content == b"success"
    assert received == []
    assert "subscribe" in caplog.text


def test_a_handler_registered_twice_runs_once(received):
    events.register_handler(events.PUBLISH_JOB_FINISH, received.append)
    events.handle_event({"MsgType": "event", "Event": "PUBLISHJOBFINISH"})
    assert len(received) == 1


# --- Refusals ---------------------------------------------------------------------------


def test_safe_mode_bad_msg_signature_is_forbidden(client, received):
    encrypt = _encrypt(PUBLISHED.format(status=0))
    query = {**_encrypted_query(encrypt), "msg_signature": _sign(TOKEN, _now(), NONCE, encrypt + "x")}
    with wechat_settings("safe"):
        assert _post(client, query, _envelope(encrypt)).status_code == 403
    assert received == []


def test_plain_mode_bad_signature_is_forbidden(client, received):
    with wechat_settings("plain"):
        response = _post(client, {**_plain_query(), "signature": "0" * 40}, PUBLISHED.format(status=0).encode())
    assert response.status_code == 403
    assert received == []


def test_wrong_app_id_inside_the_ciphertext_is_forbidden(client, received):
    encrypt = _encrypt(PUBLISHED.format(status=0), app_id="wx9999999999999999")
    with wechat_settings("safe"):
        assert _post(client, _encrypted_query(encrypt), _envelope(encrypt)).status_code == 403
    assert received == []


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("body", [b"", b"garbage", b"<xml>", b"<html><body/></html>", b"<xml></xml>"])
def test_garbage_body_is_bad_request(client, received, mode, body):
    with wechat_settings(mode):
        assert _post(client, _plain_query(), body).status_code == 400
    assert received == []


def _drop_last_block(encrypt: str) -> str:
    return base64.b64encode(base64.b64decode(encrypt)[:-16]).decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: e[:-8],  # still base64, no longer whole AES blocks
        _drop_last_block,  # whole blocks, but the padding is gone
        lambda e: "%%%not-base64%%%",
        lambda e: e[:-2] + "=",  # base64 of the wrong length
        lambda e: "",
    ],
    ids=["truncated", "last-block-dropped", "not-base64", "bad-base64-length", "empty"],
)
def test_bad_ciphertext_with_a_valid_signature_is_bad_request(client, received, mangle):
    encrypt = mangle(_encrypt(PUBLISHED.format(status=0)))
    with wechat_settings("safe"):
        assert _post(client, _encrypted_query(encrypt), _envelope(encrypt)).status_code == 400
    assert received == []


def test_safe_mode_refuses_a_plain_message(client, received):
    with wechat_settings("safe"):
        assert _post(client, _plain_query(), PUBLISHED.format(status=0).encode()).status_code == 400
    assert received == []


@pytest.mark.parametrize("offset", [-(crypto.TIMESTAMP_WINDOW + 60), crypto.TIMESTAMP_WINDOW + 60])
def test_timestamp_outside_the_window_is_forbidden(client, received, offset):
    # Signed correctly for its own timestamp: a replay (or a badly wrong clock) is still refused.
    timestamp = str(int(time.time()) + offset)
    encrypt = _encrypt(PUBLISHED.format(status=0))
    with wechat_settings("safe"):
        assert _post(client, _encrypted_query(encrypt, timestamp), _envelope(encrypt)).status_code == 403
    assert received == []


def test_missing_timestamp_is_bad_request(client):
    query = _plain_query()
    del query["timestamp"]
    with wechat_settings("plain"):
        assert _post(client, query, PUBLISHED.format(status=0).encode()).status_code == 400


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
@pytest.mark.parametrize("body", [_billion_laughs(), XXE, DEEP], ids=["billion-laughs", "xxe", "deep"])
def test_hostile_xml_is_bad_request(client, received, mode, body):
    started = time.monotonic()
    with wechat_settings(mode):
        assert _post(client, _plain_query(), body).status_code == 400
    assert time.monotonic() - started < 2
    assert received == []


def test_hostile_xml_inside_the_ciphertext_is_bad_request(client, received):
    encrypt = _encrypt(_billion_laughs().decode())
    with wechat_settings("safe"):
        assert _post(client, _encrypted_query(encrypt), _envelope(encrypt)).status_code == 400
    assert received == []


def test_oversized_body_is_refused(client, received):
    body = b"<xml><Content>" + b"x" * 70_000 + b"</Content></xml>"
    with wechat_settings("plain"):
        assert _post(client, _plain_query(), body).status_code == 413
    assert received == []
