"""Signatures and message encryption of WeChat's callback ("消息加解密").

A thin layer over wechatpy: its signer (sha1 over the sorted parts), its AES-256-CBC
cipher (IV = first 16 bytes of the key) and its PrpCrypto framing for replies.
Added here, because wechatpy lacks them:

- constant-time signature comparison;
- strict unframing of received ciphertext (base64, block length, the 32-byte-block
  PKCS#7 padding, the length prefix): wechatpy's decrypt trusts all of these and
  raises whatever Python raises on bad input;
- a CSPRNG for the 16-byte prefix of replies (wechatpy uses `random`), since the
  IV is fixed and that prefix is what makes two encryptions differ;
- safe XML parsing (defusedxml, no DTD at all) into plain dicts;
- a timestamp window against replayed requests;
- our own exceptions, which the view maps to HTTP statuses.
"""

import base64
import binascii
import hmac
import secrets
import struct
import time
from collections.abc import Mapping
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import PrpCrypto
from wechatpy.crypto.base import WeChatCipher
from wechatpy.utils import WeChatSigner

# How far a request's timestamp may be from our clock, in seconds, either way:
# WeChat's retries come within seconds, five minutes leaves room for clock drift.
TIMESTAMP_WINDOW = 5 * 60

# WeChat's messages are at most four levels deep (xml > PublishEventInfo >
# article_detail > item); the cap keeps hostile nesting from exhausting the stack.
MAX_XML_DEPTH = 16

# Elements that may repeat, always given as lists so that handlers need not
# tell one element from several.
LIST_ELEMENTS = frozenset({"item", "fail_idx"})

_BLOCK = 32  # WeChat pads to multiples of 32 bytes, not AES's 16
_PREFIX = 16  # random bytes before the length
_LENGTH = struct.Struct(">I")  # message length, network byte order


class CallbackError(Exception):
    """A callback request that must be refused."""


class InvalidSignature(CallbackError):
    """The request or the message was not signed with our token, or is for another AppID."""


class MalformedMessage(CallbackError):
    """The request or its body cannot be read."""


class StaleTimestamp(CallbackError):
    """The request's timestamp is outside the accepted window (a possible replay)."""


def compute_signature(*parts: str) -> str:
    """WeChat's signature: sha1 hex digest of the parts sorted and concatenated."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def _verify(signature: str, *parts: str) -> None:
    if not hmac.compare_digest(compute_signature(*parts).encode(), (signature or "").encode()):
        raise InvalidSignature("signature does not match")


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    """Verify the `signature` query parameter (URL verification, plain mode)."""
    _verify(signature, token, timestamp, nonce)


def check_timestamp(timestamp: str, now: float | None = None) -> int:
    """Return the timestamp as an int, refusing it outside TIMESTAMP_WINDOW."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise MalformedMessage("timestamp is not a number")
    value = int(timestamp)
    if abs((time.time() if now is None else now) - value) > TIMESTAMP_WINDOW:
        raise StaleTimestamp(f"timestamp {value} is outside the {TIMESTAMP_WINDOW} s window")
    return value


def parse_xml(data: bytes) -> dict:
    """Parse a WeChat XML message into a dict of strings, dicts and lists.

    A document type declaration is refused outright (WeChat never sends one), so
    entity expansion ("billion laughs") and external entities cannot happen.
    """
    try:
        root = fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as exc:
        raise MalformedMessage(f"unreadable XML: {exc.__class__.__name__}") from exc
    if root.tag != "xml" or not len(root):
        raise MalformedMessage("not a WeChat message")
    return _to_dict(root, 1)


def _to_dict(element, depth: int) -> dict:
    if depth > MAX_XML_DEPTH:
        raise MalformedMessage("XML nested too deeply")
    result: dict = {}
    for child in element:
        value = _to_dict(child, depth + 1) if len(child) else (child.text or "")
        if child.tag in LIST_ELEMENTS:
            result.setdefault(child.tag, []).append(value)
        elif child.tag in result:
            # An unexpected repeat: keep every value rather than silently pick one.
            previous = result[child.tag]
            result[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[child.tag] = value
    return result


class _ReplyPrpCrypto(PrpCrypto):
    def get_random_string(self) -> str:
        return secrets.token_hex(_PREFIX // 2)


class MessageCrypto:
    """Encryption of one Official Account's messages (compatible and safe modes)."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str):
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError, TypeError):
            key = b""
        if len(encoding_aes_key or "") != 43 or len(key) != 32:
            raise ValueError("EncodingAESKey must be 43 base64 characters")
        if not token or not app_id:
            raise ValueError("token and AppID are required")
        self.token = token
        self.app_id = app_id
        self._key = key

    def decrypt_message(self, message: bytes | Mapping, msg_signature: str, timestamp: str, nonce: str) -> str:
        """Verify `msg_signature` over the message's Encrypt and return the decrypted text.

        `message` is the request body, or that body already parsed by `parse_xml`.
        The signature is checked before any decryption, so unauthenticated
        ciphertext never reaches the cipher (no padding oracle).
        """
        envelope = parse_xml(message) if isinstance(message, bytes) else message
        encrypt = envelope.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise MalformedMessage("no Encrypt element")
        _verify(msg_signature, self.token, timestamp, nonce, encrypt)
        return self._decrypt(encrypt)

    def _decrypt(self, encrypt: str) -> str:
        try:
            ciphertext = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedMessage("Encrypt is not base64") from exc
        if not ciphertext or len(ciphertext) % 16:
            raise MalformedMessage("Encrypt is not a whole number of AES blocks")
        plain = WeChatCipher(self._key).decrypt(ciphertext)
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise MalformedMessage("bad padding")
        frame = plain[:-pad]
        if len(frame) < _PREFIX + _LENGTH.size:
            raise MalformedMessage("ciphertext too short")
        (length,) = _LENGTH.unpack_from(frame, _PREFIX)
        start = _PREFIX + _LENGTH.size
        if start + length > len(frame):
            raise MalformedMessage("message length exceeds the ciphertext")
        if not hmac.compare_digest(frame[start + length :], self.app_id.encode()):
            # Signed with our token but meant for another account: refuse, as WeChat's samples do.
            raise InvalidSignature("message is for another AppID")
        try:
            return frame[start : start + length].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedMessage("message is not UTF-8") from exc

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str | None = None) -> str:
        """Encrypt a passive reply, returned as the XML envelope WeChat expects."""
        timestamp = str(int(time.time()) if timestamp is None else int(timestamp))
        encrypt = _ReplyPrpCrypto(self._key).encrypt(xml, self.app_id).decode("ascii")
        signature = compute_signature(self.token, timestamp, nonce, encrypt)
        return (
            "<xml>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp>"
            f"<Nonce>{escape(nonce)}</Nonce>"
            "</xml>"
        )
