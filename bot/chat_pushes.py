"""What the account pushed to the terminal chat's openid, read from the development server's
WeChat sandbox (``GET /_sandbox/messages``, docs/development.md) and shown as WeChat would:
texts as they are, the code image drawn in half-blocks, template and subscribe messages as
their fields.

The pure half renders one message as lines; ``PushListener`` is the thin thread that long-polls
the server while the chat waits for the user's next line.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from bot.terminal_image import NotAnImage, picture_lines

POLL_WAIT_SECONDS = 20  # the server answers at once when a message arrives
RETRY_SECONDS = 2.0  # after a failed poll (the server restarting, say)
MESSAGES_PATH = "/_sandbox/messages"


class NoSandbox(Exception):
    """The server has no WeChat sandbox: it sends through WeChat, and nothing is shown here."""


def push_lines(message: dict[str, Any], *, colors: bool) -> list[str]:
    """One pushed message as the lines the chat prints: a heading, then what it carried."""
    kind = str(message.get("kind"))  # what the sandbox recorded; unknown kinds are named
    heading = f"── {_LABELS.get(kind, f'a {kind} message')}, {_clock(message.get('at'))} ──"
    body = _BODIES.get(kind, _unknown)(message, colors)
    return [heading, *body]


def _clock(at: Any) -> str:
    try:
        return datetime.fromisoformat(str(at)).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return "?"


def _text(message: dict[str, Any], _colors: bool) -> list[str]:
    return str(message.get("text", "")).splitlines() or [""]


def _image(message: dict[str, Any], colors: bool) -> list[str]:
    encoded = message.get("data_base64")
    if not encoded:
        return ["(the sandbox no longer keeps this image)"]
    try:
        data = base64.b64decode(encoded, validate=True)
        what, lines = picture_lines(data, colors=colors)
    except (binascii.Error, NotAnImage):
        return [f"(an image the chat cannot draw: {message.get('content_type') or 'unknown'})"]
    return [f"[{what}]", *lines]


def _fields(message: dict[str, Any], _colors: bool) -> list[str]:
    data = message.get("data") or {}
    lines = [f"{key}: {value}" for key, value in data.items()] if isinstance(data, dict) else []
    link = message.get("url") or message.get("page")
    if link:
        lines.append(f"→ {link}")
    return [f"[template {message.get('template_id', '?')}]", *lines]


def _unknown(message: dict[str, Any], _colors: bool) -> list[str]:
    return [str({k: v for k, v in message.items() if k not in ("id", "at")})]


_LABELS = {
    "text": "the account wrote",
    "mass": "the account's broadcast",
    "image": "the account sent an image",
    "template": "a template message",
    "subscribe": "a mini-program subscribe message",
}
_BODIES: dict[Any, Callable[[dict[str, Any], bool], list[str]]] = {
    "text": _text,
    "mass": _text,
    "image": _image,
    "template": _fields,
    "subscribe": _fields,
}


# --- reading them from the server -----------------------------------------------------------


async def fetch_pushes(
    session: aiohttp.ClientSession, url: str, openid: str, after: int, wait: float
) -> tuple[int, list[dict[str, Any]]]:
    """The new cursor and the messages after `after`; NoSandbox when the server has none."""
    params = {"openid": openid, "after": str(after), "wait": str(wait)}
    async with session.get(f"{url}{MESSAGES_PATH}", params=params) as response:
        if response.status == 404:
            raise NoSandbox
        response.raise_for_status()
        body = await response.json()
    return int(body["cursor"]), list(body["messages"])


class PushListener:
    """A thread that shows, through `show`, every message pushed to `openid` after `cursor`."""

    def __init__(
        self, url: str, openid: str, cursor: int, show: Callable[[dict[str, Any]], None]
    ) -> None:
        self.url, self.openid, self.cursor, self.show = url, openid, cursor, show
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chat-pushes", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._started.wait()

    def stop(self) -> None:
        if self._loop is not None and self._task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with asyncio.Runner() as runner:
            self._loop = runner.get_loop()
            self._task = self._loop.create_task(self._listen())
            self._started.set()
            with contextlib.suppress(asyncio.CancelledError):
                runner.run(self._wait_for(self._task))

    @staticmethod
    async def _wait_for(task: asyncio.Task[None]) -> None:
        await task

    async def _listen(self) -> None:
        timeout = aiohttp.ClientTimeout(total=POLL_WAIT_SECONDS + 10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    cursor, messages = await fetch_pushes(
                        session, self.url, self.openid, self.cursor, POLL_WAIT_SECONDS
                    )
                except NoSandbox:
                    return  # a server with WeChat credentials: its pushes go to WeChat
                except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
                    await asyncio.sleep(RETRY_SECONDS)  # the chat's own lines say it is down
                    continue
                # a cursor going back: the server restarted, its sandbox counts from 1 again
                self.cursor = 0 if cursor < self.cursor else cursor
                for message in messages:
                    self.show(message)
