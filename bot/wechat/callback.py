"""Our callback URL's side of WeChat's protocol: signatures, safe mode, passive replies.

Pure and synchronous: it runs inside WeChat's 5-second budget for every message.
"""

import binascii
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import WeChatSigner

from bot.wechat.errors import BadCallback, ForgedCallback, StaleCallback
from bot.wechat.incoming import Incoming, incoming_from_fields
from bot.wechat.wire import read_fields, render

AES_KEY_CHARS = 43  # the EncodingAESKey: 32 bytes in base64 without its trailing "="
PLAIN_TYPES = frozenset({"", "raw"})
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since 1970; ASCII digits only


def sign_request(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's signature: SHA-1 over the sorted, concatenated values (`extra`: Encrypt)."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, *extra)
    return signer.signature


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    """Whether the query's `signature` is WeChat's; never raises."""
    return _same(signature, lambda: sign_request(token, timestamp, nonce))


@dataclass(frozen=True, slots=True)
class ServerRequest:
    """A callback request as the WeChat server sends it: query parameters and body."""

    query: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """A passive reply read back (by tests and the chat client)."""

    kind: str
    to_user: str
    from_user: str
    content: str


class CallbackCodec:
    """Reads WeChat's callbacks and writes passive replies for one official account."""

    def __init__(
        self,
        token: str,
        appid: str,
        aes_key: str | None,
        *,
        max_skew: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`max_skew` (seconds), when set, refuses a request whose timestamp is further off
        than that from `clock`; the server sets it (``Settings.callback_window_seconds``), a
        client that only writes requests or reads replies has no need to."""
        self._token = token
        self._appid = appid
        self._crypto = _crypto(token, aes_key, appid) if aes_key else None
        self._max_skew = max_skew
        self._clock = clock

    @property
    def safe_mode(self) -> bool:
        return self._crypto is not None

    def parse(
        self,
        body: bytes,
        *,
        signature: str,
        timestamp: str,
        nonce: str,
        msg_signature: str | None = None,
        encrypt_type: str | None = None,
    ) -> Incoming:
        """The message in a callback; raises BadCallback for anything not genuinely WeChat's."""
        if not check_signature(self._token, signature, timestamp, nonce):
            raise ForgedCallback("bad signature")
        self.check_fresh(timestamp)
        fields = read_fields(body)
        encrypted = _is_encrypted(encrypt_type)
        if encrypted:
            encrypt = fields.get("Encrypt", "")
            fields = read_fields(self._decrypt(encrypt, msg_signature, timestamp, nonce))
        return incoming_from_fields(fields, encrypted=encrypted)

    def reply_text(
        self, incoming: Incoming, text: str | None, *, nonce: str, timestamp: str
    ) -> str:
        """The passive reply; no text is the plain `success`, in safe mode too
        (docs/architecture.md)."""
        if not text:
            return "success"
        xml = render(
            [
                ("ToUserName", incoming.from_user),
                ("FromUserName", incoming.to_user),
                ("CreateTime", int(timestamp) if timestamp.isdigit() else int(self._clock())),
                ("MsgType", "text"),
                ("Content", text),
            ]
        )
        if not incoming.encrypted:
            return xml
        return self._required_crypto().encrypt_message(xml, nonce, timestamp)

    def encrypt_for_server(
        self, xml: str, nonce: str, timestamp: str, *, compatible: bool = False
    ) -> tuple[bytes, str]:
        """The body and msg_signature WeChat sends for `xml` in safe (or compatible) mode."""
        envelope = read_fields(self._required_crypto().encrypt_message(xml, nonce, timestamp))
        encrypt = envelope["Encrypt"]
        if compatible:
            # Compatible mode keeps the plaintext fields and adds the encrypted copy.
            head, _, _ = xml.rpartition("</xml>")
            body = head + render([("Encrypt", encrypt)]).removeprefix("<xml>")
        else:
            body = render([("ToUserName", _field_of(xml, "ToUserName")), ("Encrypt", encrypt)])
        return body.encode("utf-8"), envelope["MsgSignature"]

    def server_request(
        self, xml: str, *, timestamp: str, nonce: str, mode: str | None = None
    ) -> ServerRequest:
        """The whole request for `xml`; `mode` is `plain`, `compatible` or `safe` (default:
        safe when an AES key is configured)."""
        mode = mode or ("safe" if self.safe_mode else "plain")
        query = {
            "signature": sign_request(self._token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": _field_of(xml, "FromUserName"),
        }
        if mode == "plain":
            return ServerRequest(query, xml.encode("utf-8"))
        body, msg_signature = self.encrypt_for_server(
            xml, nonce, timestamp, compatible=mode == "compatible"
        )
        query |= {"encrypt_type": "aes", "msg_signature": msg_signature}
        return ServerRequest(query, body)

    def open_reply(self, reply: str) -> Reply | None:
        """A passive reply read back, decrypted when encrypted; None for `success` or empty."""
        if reply in ("", "success"):
            return None
        fields = read_fields(reply)
        if "Encrypt" in fields:
            timestamp, nonce = fields.get("TimeStamp", ""), fields.get("Nonce", "")
            decrypted = self._decrypt(
                fields["Encrypt"], fields.get("MsgSignature"), timestamp, nonce
            )
            fields = read_fields(decrypted)
        return Reply(
            kind=fields.get("MsgType", ""),
            to_user=fields.get("ToUserName", ""),
            from_user=fields.get("FromUserName", ""),
            content=fields.get("Content", ""),
        )

    def check_fresh(self, timestamp: str) -> None:
        """Raises BadCallback unless `timestamp` is within the window around now."""
        if self._max_skew is None:
            return
        if not _TIMESTAMP.fullmatch(timestamp):
            raise StaleCallback("timestamp is not a number of seconds")
        if abs(self._clock() - int(timestamp)) > self._max_skew:
            raise StaleCallback("stale timestamp")

    def _decrypt(self, encrypt: str, msg_signature: str | None, timestamp: str, nonce: str) -> str:
        crypto = self._crypto
        if crypto is None:
            raise BadCallback("encrypted message, but no AES key is configured")
        if not encrypt:
            raise BadCallback("no Encrypt")
        if not _same(msg_signature, lambda: sign_request(self._token, timestamp, nonce, encrypt)):
            raise ForgedCallback("bad msg_signature")
        try:
            return crypto.decrypt_message({"Encrypt": encrypt}, msg_signature, timestamp, nonce)
        except InvalidAppIdException as exc:
            raise ForgedCallback("message for another appid") from exc
        except Exception as exc:  # bad base64, padding, length or UTF-8: all "cannot decrypt"
            raise BadCallback("cannot decrypt") from exc

    def _required_crypto(self) -> WeChatCrypto:
        if self._crypto is None:
            raise ValueError("safe mode needs the account's EncodingAESKey")
        return self._crypto


def _crypto(token: str, aes_key: str, appid: str) -> WeChatCrypto:
    """wechatpy's cipher; a malformed key is a configuration error, said at start-up."""
    if len(aes_key) != AES_KEY_CHARS:
        raise ValueError(f"the EncodingAESKey has {AES_KEY_CHARS} characters")
    try:
        return WeChatCrypto(token, aes_key, appid)
    except (binascii.Error, ValueError, AssertionError) as exc:
        raise ValueError("the EncodingAESKey is not valid base64") from exc


def _field_of(xml: str, name: str) -> str:
    """A field of a message being sent; empty when it is unreadable (tests send bad XML too)."""
    try:
        return read_fields(xml).get(name, "")
    except BadCallback:
        return ""


def _is_encrypted(encrypt_type: str | None) -> bool:
    kind = (encrypt_type or "").lower()
    if kind == "aes":
        return True
    if kind in PLAIN_TYPES:
        return False
    raise BadCallback("unknown encrypt_type")


def _same(given: str | None, expected: Callable[[], str]) -> bool:
    """Constant-time comparison that treats any odd input as a mismatch."""
    try:
        return hmac.compare_digest(expected(), given or "")
    except Exception:  # a None, non-ASCII or otherwise odd value is simply not the signature
        return False
