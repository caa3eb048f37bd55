"""The WeChat API as the rest of the project sees it: async methods, plain values, our errors.

wechatpy is synchronous (requests), so every call runs in a dedicated thread pool and never on the
event loop (docs/architecture.md: against an in-process fake a blocking call deadlocks the loop).
"""

import asyncio
import functools
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from wechatpy.exceptions import WeChatClientException

from bot.services.notices.mass_batches import mass_batches
from bot.wechat.client import ApiClient, token_of_request
from bot.wechat.errors import (
    TOKEN_ERRCODES,
    WeChatPermanentError,
    WeChatTransientError,
    error_for_code,
    error_for_http,
)
from bot.wechat.incoming import MAX_USER_CHARS
from bot.wechat.payloads import subscribe_data, template_data

T = TypeVar("T")

CLIENTMSGID_EXISTS = 45065
CLIENTMSGID_MAX_BYTES = 64
_OPENID = re.compile(f"[A-Za-z0-9_-]{{1,{MAX_USER_CHARS}}}")


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What `sns/jscode2session` says about a mini-program login."""

    openid: str
    session_key: str
    unionid: str | None


class WeChatGateway:
    """The official account's API, and the mini-program's when its credentials are given."""

    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str,
        miniapp_appid: str | None = None,
        miniapp_secret: str | None = None,
        max_workers: int = 8,
        timeout: float = 5.0,
    ) -> None:
        base = api_base.rstrip("/") + "/"
        self._official = ApiClient(
            appid, secret, api_base=base, timeout=timeout, pool_size=max_workers
        )
        self._miniapp: ApiClient | None = None
        if miniapp_appid and miniapp_secret:
            self._miniapp = ApiClient(
                miniapp_appid, miniapp_secret, api_base=base, timeout=timeout, pool_size=max_workers
            )
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="wechat")

    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service text: allowed within 48 hours after the user last wrote."""
        await self._run(self._official, lambda c: c.message.send_text(openid, text))

    async def upload_image(self, png: bytes) -> str:
        """Upload a PNG as temporary media (kept three days by WeChat); returns its media_id."""
        media = ("code.png", png, "image/png")
        result = await self._run(self._official, lambda c: c.media.upload("image", media))
        return _required(result, "media_id")

    async def send_image(self, openid: str, media_id: str) -> None:
        await self._run(self._official, lambda c: c.message.send_image(openid, media_id))

    async def send_template(
        self, openid: str, template_id: str, data: Mapping[str, Any], url: str | None = None
    ) -> int:
        """A template message; `data` values may be plain strings. Returns WeChat's msgid."""
        body = template_data(data)
        result = await self._run(
            self._official, lambda c: c.message.send_template(openid, template_id, body, url)
        )
        return int(result.get("msgid") or 0)

    async def send_subscribe(
        self, openid: str, template_id: str, data: Mapping[str, Any], page: str | None = None
    ) -> int:
        """A mini-program subscribe message (one per user consent). Returns WeChat's msgid."""
        body = subscribe_data(data)
        result = await self._run(
            self._miniapp_client(),
            lambda c: c.wxa.send_subscribe_message(openid, template_id, body, page),
        )
        return int(result.get("msgid") or 0)

    async def mass_send_text(
        self, openids: Sequence[str], text: str, *, client_msg_id: str | None = None
    ) -> list[int]:
        """Send `text` to every openid in WeChat's batches (2 to 10,000); returns the msg_ids.

        A batch WeChat already sent (same clientmsgid within 24 hours, or by default the same
        recipients and text) answers 45065 with the earlier msg_id: that counts as sent, so a
        broadcast retried after a failure does not reach the first batches twice.
        """
        unique = list(dict.fromkeys(openids))
        if len(unique) == 1:
            raise WeChatPermanentError(40130, "a mass send needs at least two openids")
        msg_ids = []
        for index, batch in enumerate(mass_batches(unique)):
            batch_id = _batch_clientmsgid(client_msg_id, index)
            send = functools.partial(_mass_send_batch, batch=batch, text=text, batch_id=batch_id)
            msg_ids.append(await self._run(self._official, send))
        return msg_ids

    async def code_to_session(self, js_code: str) -> SessionInfo:
        result = await self._run(self._miniapp_client(), lambda c: c.code_to_session(js_code))
        return SessionInfo(
            openid=_openid(_required(result, "openid")),
            session_key=_required(result, "session_key"),
            unionid=result.get("unionid") or None,
        )

    async def close(self) -> None:
        """Wait for calls in flight (each bounded by the timeout), then close the connections."""
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        self._official.close()
        if self._miniapp is not None:
            self._miniapp.close()

    def _miniapp_client(self) -> ApiClient:
        if self._miniapp is None:
            raise WeChatPermanentError(None, "the mini-program's appid and secret are not set")
        return self._miniapp

    async def _run(self, client: ApiClient, operation: Callable[[ApiClient], T]) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(_call, client, operation)
        return await loop.run_in_executor(self._executor, call)


def _call(client: ApiClient, operation: Callable[[ApiClient], T]) -> T:
    """Run `operation` in a worker thread; only our own exceptions leave."""
    try:
        result = _with_one_token_refresh(client, operation)
    except WeChatClientException as exc:
        raise _translate(exc) from exc
    except requests.RequestException as exc:
        raise error_for_http(_status_of(exc), f"{type(exc).__name__}: {exc}") from exc
    if isinstance(result, requests.Response):
        # wechatpy hands back the raw response when it is not JSON: a proxy's or gateway's page.
        raise error_for_http(result.status_code, "WeChat's answer is not JSON")
    return result


def _with_one_token_refresh(client: ApiClient, operation: Callable[[ApiClient], T]) -> T:
    # wechatpy's own retry recurses without bound (docs/architecture.md); ours repeats the call
    # once.
    try:
        return operation(client)
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_ERRCODES:
            raise
        client.forget_token(token_of_request(exc))
    return operation(client)


def _mass_send_batch(
    client: ApiClient, *, batch: list[str], text: str, batch_id: str | None
) -> int:
    try:
        result = client.message.send_mass_text(batch, text, client_msg_id=batch_id)
    except WeChatClientException as exc:
        earlier = _earlier_msg_id(exc)
        if earlier is None:
            raise
        return earlier
    return int(_required(result, "msg_id"))


def _batch_clientmsgid(client_msg_id: str | None, index: int) -> str | None:
    """One clientmsgid per batch, within WeChat's 64 bytes (a digest when it would not fit)."""
    if not client_msg_id:
        return None
    batch_id = f"{client_msg_id}-{index}"
    if len(batch_id.encode()) <= CLIENTMSGID_MAX_BYTES:
        return batch_id
    return hashlib.sha256(batch_id.encode()).hexdigest()


def _earlier_msg_id(exc: WeChatClientException) -> int | None:
    """The msg_id of the earlier mass send a 45065 answer points to, if it says one."""
    if exc.errcode != CLIENTMSGID_EXISTS or exc.response is None:
        return None
    try:
        return int(exc.response.json()["msg_id"])
    except (ValueError, KeyError, TypeError):
        return None


def _translate(exc: WeChatClientException) -> Exception:
    if isinstance(exc.errcode, int):
        return error_for_code(exc.errcode, str(exc.errmsg))
    status = exc.response.status_code if exc.response is not None else None
    return error_for_http(status, f"HTTP {status} from WeChat")


def _status_of(exc: requests.RequestException) -> int | None:
    return exc.response.status_code if exc.response is not None else None


def _openid(value: str) -> str:
    """An openid as WeChat gives them (28 URL-safe characters); anything else is a broken
    answer, WeChat's error, and must not reach the account table (64 characters)."""
    if not _OPENID.fullmatch(value):
        raise WeChatTransientError(None, "WeChat's answer has no valid openid")
    return value


def _required(result: Any, field: str) -> str:
    """A field of WeChat's JSON answer; anything else (an HTML error page…) is transient."""
    if isinstance(result, dict) and isinstance(result.get(field), str | int):
        return str(result[field])
    raise WeChatTransientError(None, f"WeChat's answer has no {field}")
