"""The WeChat sandbox's memory: what development sent to each openid (docs/development.md).

In development without the official account's credentials, the server's WeChat client talks
to a stand-in for the WeChat API on the server's own port (``bot.wechat.sandbox_api``), and
every message it accepts is kept here for `healthcode chat` to show. Nothing leaves the
machine. What is kept is bounded: the last messages of each openid, the most recent openids,
the most recent uploads, so a long-running development server does not grow.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MESSAGES_PER_OPENID = 50
OPENIDS_KEPT = 1000
UPLOADS_KEPT = 200
# A long poll waits at most this long; the chat simply asks again.
LONGEST_WAIT_SECONDS = 25.0

TEXT, IMAGE, TEMPLATE, SUBSCRIBE, MASS = "text", "image", "template", "subscribe", "mass"


@dataclass(frozen=True, slots=True)
class Upload:
    media_id: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SandboxMessage:
    """One message WeChat would have delivered: its kind and what it carried."""

    id: int
    openid: str
    kind: str
    at: datetime
    body: dict[str, Any] = field(default_factory=dict)

    def as_json(self, uploads: dict[str, Upload]) -> dict[str, Any]:
        shown: dict[str, Any] = {"id": self.id, "kind": self.kind, "at": self.at.isoformat()}
        shown.update(self.body)
        if self.kind == IMAGE:
            upload = uploads.get(self.body.get("media_id", ""))
            # an upload already forgotten (more than UPLOADS_KEPT since) shows as missing
            shown["content_type"] = upload.content_type if upload else None
            shown["data_base64"] = base64.b64encode(upload.data).decode() if upload else None
        return shown


class Sandbox:
    """Messages per openid, in order, each with an id that only grows (the chat's cursor)."""

    def __init__(
        self,
        *,
        per_openid: int = MESSAGES_PER_OPENID,
        openids: int = OPENIDS_KEPT,
        uploads: int = UPLOADS_KEPT,
    ) -> None:
        self._per_openid, self._openids_kept, self._uploads_kept = per_openid, openids, uploads
        self._messages: OrderedDict[str, deque[SandboxMessage]] = OrderedDict()
        self._uploads: OrderedDict[str, Upload] = OrderedDict()
        self._ids = itertools.count(1)
        self._last_id = 0
        self._arrived = asyncio.Event()
        self._closed = False

    @property
    def last_id(self) -> int:
        return self._last_id

    def record(self, openid: str, kind: str, **body: Any) -> SandboxMessage:
        self._last_id = next(self._ids)
        message = SandboxMessage(self._last_id, openid, kind, datetime.now(UTC), body)
        kept = self._messages.pop(openid, None) or deque(maxlen=self._per_openid)
        kept.append(message)
        self._messages[openid] = kept  # now the most recent openid
        while len(self._messages) > self._openids_kept:
            self._messages.popitem(last=False)
        self._wake()
        return message

    def keep_upload(self, upload: Upload) -> None:
        self._uploads[upload.media_id] = upload
        while len(self._uploads) > self._uploads_kept:
            self._uploads.popitem(last=False)

    def has_upload(self, media_id: str) -> bool:
        return media_id in self._uploads

    def upload(self, media_id: str) -> Upload | None:
        return self._uploads.get(media_id)

    def messages_for(self, openid: str, after: int = 0) -> list[SandboxMessage]:
        return [m for m in self._messages.get(openid, ()) if m.id > after]

    def shown(self, messages: list[SandboxMessage]) -> list[dict[str, Any]]:
        return [message.as_json(self._uploads) for message in messages]

    async def wait_for(self, openid: str, after: int, seconds: float) -> list[SandboxMessage]:
        """The messages for `openid` after `after`, waiting up to `seconds` for the first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(seconds, 0.0), LONGEST_WAIT_SECONDS)
        while not (found := self.messages_for(openid, after)) and not self._closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            arrived = self._arrived
            try:
                await asyncio.wait_for(arrived.wait(), remaining)
            except TimeoutError:
                break
        return found

    def close(self) -> None:
        """Answer every waiting poll now (the server is stopping)."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        arrived, self._arrived = self._arrived, asyncio.Event()
        arrived.set()
