"""`python -m bot chat`: try the bot in a terminal, without a WeChat account (docs/development.md).

Each typed line becomes the XML the WeChat server would post to `POST /wechat`, signed (and
encrypted in safe mode) with the account's own token and key, so the server cannot tell the
difference. The pure half (line → message, reply → text) is separate from the thin networking.

What the account pushes later (the code image, a colour change, a reminder, an appeal's answer)
does not come in the passive reply: a development server keeps it in its WeChat sandbox, and
the chat shows it as it arrives (`bot.chat_pushes`), between the replies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import math
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

import aiohttp

from bot.chat_pushes import NoSandbox, PushListener, fetch_pushes, push_lines
from bot.settings import Settings, SettingsError
from bot.wechat import (
    BadCallback,
    CallbackCodec,
    ServerRequest,
    build_event_xml,
    build_image_xml,
    build_location_event_xml,
    build_text_xml,
)
from bot.wechat.sandbox_setup import server_root

MENU_KEYS = ("APPLY", "SHOW_CODE", "FAMILY", "SWITCH", "APPEAL")
# The official account's original id (ToUserName); the server does not check it, so any
# well-formed gh_ id does, and a fixed one keeps transcripts comparable.
DEFAULT_ACCOUNT = "gh_healthcode00"
# WeChat waits 5 seconds for a passive reply; a slower server fails the real user too.
REPLY_TIMEOUT_SECONDS = 5.0
PROMPT = "you> "
MAX_BODY_SHOWN = 500
_UNSAFE_USER_CHARS = re.compile(r"[^A-Za-z0-9_-]+")

HELP = f"""Type a message and press Enter; the bot's passive reply is printed.
  /subscribe             follow the account (the welcome message)
  /menu KEY              press a menu button: {", ".join(MENU_KEYS)}
  /location LAT LNG      share your position (a LOCATION event)
  /image                 send a picture
  //text                 send text that starts with "/"
  /help                  this list
  /quit                  leave (so does Ctrl-D)"""


# --- What a typed line asks for -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendText:
    content: str


@dataclass(frozen=True, slots=True)
class SendEvent:
    """An event as WeChat spells it (`subscribe`, `CLICK`) with its EventKey, if any."""

    event: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class SendLocation:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class SendImage:
    pass


@dataclass(frozen=True, slots=True)
class ShowHelp:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class Refused:
    """A line the client answers itself (an unknown command, a bad argument)."""

    reason: str


Outgoing = SendText | SendEvent | SendLocation | SendImage
Action = Outgoing | ShowHelp | Quit | Refused


def parse_line(line: str) -> Action | None:
    """What a typed line asks for; None for a blank line, which sends nothing."""
    text = line.strip()
    if not text:
        return None
    if text.startswith("//"):
        return SendText(text[1:])  # the escape for a message that really starts with "/"
    if not text.startswith("/"):
        return SendText(text)
    name, *args = text.split()
    command = _COMMANDS.get(name.lower())
    if command is None:
        return Refused(f"unknown command {name}; /help lists them")
    return command(args)


def _no_arguments(name: str, action: Action) -> Callable[[list[str]], Action]:
    def parse(args: list[str]) -> Action:
        return Refused(f"{name} takes no arguments") if args else action

    return parse


def _menu(args: list[str]) -> Action:
    key = args[0].upper() if len(args) == 1 else ""
    if key not in MENU_KEYS:
        return Refused(f"usage: /menu KEY, where KEY is one of {', '.join(MENU_KEYS)}")
    return SendEvent("CLICK", key)


def _location(args: list[str]) -> Action:
    # "39.08 117.20" and "39.08,117.20" (as copied from a map) are both accepted.
    parts = [part for part in re.split(r"[,\s]+", " ".join(args)) if part]
    usage = Refused("usage: /location LAT LNG, for example /location 39.0842 117.2009")
    if len(parts) != 2:
        return usage
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except ValueError:
        return usage
    if not _within(latitude, 90.0) or not _within(longitude, 180.0):
        return Refused("latitude is between -90 and 90, longitude between -180 and 180")
    return SendLocation(latitude, longitude)


def _within(value: float, bound: float) -> bool:
    return math.isfinite(value) and abs(value) <= bound


_COMMANDS: dict[str, Callable[[list[str]], Action]] = {
    "/subscribe": _no_arguments("/subscribe", SendEvent("subscribe")),
    "/menu": _menu,
    "/location": _location,
    "/image": _no_arguments("/image", SendImage()),
    "/help": _no_arguments("/help", ShowHelp()),
    "/quit": _no_arguments("/quit", Quit()),
}


# --- Messages and replies -------------------------------------------------------------------


def message_xml(outgoing: Outgoing, *, openid: str, account: str, created: int, msg_id: int) -> str:
    """The XML the WeChat server posts for `outgoing` (events carry no MsgId, as in WeChat)."""
    match outgoing:
        case SendText(content):
            return build_text_xml(account, openid, content, msg_id=msg_id, created=created)
        case SendEvent(event, key):
            return build_event_xml(account, openid, event, key, created=created)
        case SendLocation(latitude, longitude):
            return build_location_event_xml(account, openid, latitude, longitude, created=created)
        case SendImage():
            media_id = f"chat-image-{msg_id}"  # never fetched: the server only sees an id
            return build_image_xml(account, openid, media_id, msg_id=msg_id, created=created)


def next_created(now: float, last: int) -> int:
    """The CreateTime for the next message: now, but always later than the last one.

    The server tells an event's redelivery by `openid:CreateTime` (events have no MsgId), so
    two events piped within one second would otherwise look like one delivered twice.
    """
    return max(int(now), last + 1)


def printable_reply(codec: CallbackCodec, body: str) -> str | None:
    """The text of the bot's passive reply; None when it chose not to reply (`success`)."""
    try:
        reply = codec.open_reply(body.strip())
    except BadCallback as exc:
        return f"could not read the reply ({exc}): {_shortened(body)}"
    if reply is None:
        return None
    if reply.kind == "text":
        return reply.content
    return f"[{reply.kind or 'untyped'} reply]"


def describe_status(status: int, body: str) -> str:
    """The line printed when the server answers anything but 200."""
    return f"the server answered HTTP {status}: {_shortened(body) or '(empty body)'}"


def not_answering(url: str) -> str:
    return f"the server at {url} is not answering — start it with `healthcode serve`"


def default_openid(username: str | None = None) -> str:
    """A stable openid per terminal user, so a dialogue resumes in the next run."""
    if username is None:
        username = _login_name()
    safe = _UNSAFE_USER_CHARS.sub("-", username).strip("-")
    return f"o-chat-{safe or 'guest'}"


def default_url(settings: Settings) -> str:
    """Where `python -m bot serve` listens; a wildcard bind address is reached on loopback."""
    return server_root(settings)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no USER variable and no passwd entry (some containers): anonymous
        return "guest"


def _shortened(body: str) -> str:
    body = body.strip()
    if len(body) <= MAX_BODY_SHOWN:
        return body
    return body[:MAX_BODY_SHOWN] + "…"


# --- The loop -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Chat:
    """One run's state: where to send, as whom, and the last CreateTime used."""

    codec: CallbackCodec
    url: str
    openid: str
    account: str
    mode: str
    stdout: TextIO
    color: bool
    interactive: bool = False
    linger: float = 0.0
    last_created: int = 0
    # replies (this thread) and pushes (the listener's) must not interleave mid-line
    lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stdout, flush=True)

    def show_push(self, message: dict[str, Any]) -> None:
        """A pushed message, printed above the prompt the user may be typing at."""
        lines = push_lines(message, colors=self.color)
        with self.lock:
            if self.interactive:
                self.stdout.write("\r\033[K")  # the prompt's line, cleared
            print("\n".join(lines), file=self.stdout, flush=True)
            if self.interactive:
                self.stdout.write(PROMPT + _typed_so_far())
                self.stdout.flush()

    def note(self, text: str) -> None:
        """A line about the client itself, dimmed on a terminal so replies stand out."""
        self.say(f"\033[2m{text}\033[0m" if self.color else text)

    def request_for(self, outgoing: Outgoing) -> ServerRequest:
        self.last_created = next_created(time.time(), self.last_created)
        xml = message_xml(
            outgoing,
            openid=self.openid,
            account=self.account,
            created=self.last_created,
            msg_id=secrets.randbits(63),
        )
        nonce = str(secrets.randbelow(10**10))
        return self.codec.server_request(
            xml, timestamp=str(self.last_created), nonce=nonce, mode=self.mode
        )


def main(
    argv: list[str],
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the chat; 0 on /quit or end of input, 2 on bad options or settings."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    try:
        chat = _chat_from_options(argv, stdout, environ)
    except SystemExit as stop:  # argparse's way to refuse options; the caller wants a code
        return stop.code if isinstance(stop.code, int) else 2
    interactive = stdin.isatty()
    chat.interactive = interactive and stdin is sys.stdin and chat.color
    if interactive:
        _enable_line_editing()
        chat.note(f"chatting as {chat.openid} with {chat.url} ({chat.mode} mode); /help, /quit")
    # Ctrl-C, like Ctrl-D and /quit, is a normal way to leave: no traceback.
    with contextlib.suppress(KeyboardInterrupt):
        _loop(chat, stdin, interactive)
    if interactive:
        chat.say("")  # end the prompt's line before the shell's prompt
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthcode chat",
        description="Talk to the running bot as the WeChat server would.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="the server's root (default: http://HOST:PORT)")
    parser.add_argument("--openid", help="who you are (default: o-chat-<your login>)")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--linger",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="after the input ends, keep showing pushed messages this long (for piped input)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--safe",
        dest="mode",
        action="store_const",
        const="safe",
        help="encrypt messages (default when WECHAT_AES_KEY is set)",
    )
    mode.add_argument(
        "--plain", dest="mode", action="store_const", const="plain", help="send plaintext"
    )
    parser.set_defaults(mode=None)
    return parser


def _chat_from_options(argv: list[str], stdout: TextIO, environ: Mapping[str, str] | None) -> _Chat:
    parser = _parser()
    options = parser.parse_args(argv)
    try:
        settings = Settings.from_env(None if environ is None else dict(environ))
    except SettingsError as exc:
        parser.error(str(exc))
    try:
        codec = CallbackCodec(settings.wechat_token, settings.wechat_appid, settings.wechat_aes_key)
    except ValueError as exc:  # a malformed EncodingAESKey
        parser.error(f"WECHAT_AES_KEY: {exc}")
    # Safe mode is what the server expects when it has a key; plain otherwise.
    mode = options.mode or ("safe" if codec.safe_mode else "plain")
    if mode == "safe" and not codec.safe_mode:
        parser.error("--safe needs WECHAT_AES_KEY, the account's EncodingAESKey (or use --plain)")
    return _Chat(
        codec=codec,
        url=(options.url or default_url(settings)).rstrip("/"),
        openid=options.openid or default_openid(),
        account=options.account,
        mode=mode,
        stdout=stdout,
        color=stdout.isatty(),
        linger=_linger(parser, options.linger),
    )


def _linger(parser: argparse.ArgumentParser, seconds: float) -> float:
    if not math.isfinite(seconds) or seconds < 0:
        parser.error("--linger takes seconds, 0 or more")
    return seconds


def _enable_line_editing() -> None:
    # Arrow keys and history for input(); absent on some platforms, where plain input works.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def _loop(chat: _Chat, stdin: TextIO, interactive: bool) -> None:
    # Reading stays synchronous, outside the event loop, so Ctrl-C at the prompt interrupts
    # at once; only the request runs on the loop, which keeps one session (and connection).
    with asyncio.Runner() as runner:
        session = runner.run(_open_session())
        listener = _listen_for_pushes(chat, runner, session)
        try:
            while (line := _read_line(stdin, interactive)) is not None:
                if not _handle(chat, runner, session, line):
                    break
            else:
                time.sleep(chat.linger)  # piped input: what the last lines caused may follow
        finally:
            if listener is not None:
                listener.stop()
            runner.run(session.close())


def _listen_for_pushes(
    chat: _Chat, runner: asyncio.Runner, session: aiohttp.ClientSession
) -> PushListener | None:
    """Start showing what is pushed from now on; None when the server has no sandbox."""
    try:
        cursor, _earlier = runner.run(fetch_pushes(session, chat.url, chat.openid, 0, 0))
    except NoSandbox:
        if chat.color:
            chat.note("(the server sends through WeChat itself: pushed messages are not shown)")
        return None
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
        cursor = 0  # not up yet: once it is, what it pushes to us is new
    listener = PushListener(chat.url, chat.openid, cursor, chat.show_push)
    listener.start()
    return listener


def _typed_so_far() -> str:
    """What the user has typed at the prompt, to draw it again below a pushed message."""
    readline = sys.modules.get("readline")
    return readline.get_line_buffer() if readline is not None else ""


def _handle(chat: _Chat, runner: asyncio.Runner, session: aiohttp.ClientSession, line: str) -> bool:
    """Act on one line; False when the user asked to leave."""
    action = parse_line(line)
    match action:
        case None:
            pass
        case Quit():
            return False
        case ShowHelp():
            chat.say(HELP)
        case Refused(reason):
            chat.note(reason)
        case _:
            runner.run(_send(chat, session, action))
    return True


def _read_line(stdin: TextIO, interactive: bool) -> str | None:
    """The next line, or None at the end of input."""
    if interactive and stdin is sys.stdin:
        try:
            return input(PROMPT)  # input() gives line editing on a terminal
        except EOFError:
            return None
    line = stdin.readline()
    return line or None


async def _open_session() -> aiohttp.ClientSession:
    # Created inside the runner's loop, which it belongs to.
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT_SECONDS))


async def _send(chat: _Chat, session: aiohttp.ClientSession, outgoing: Outgoing) -> None:
    request = chat.request_for(outgoing)
    try:
        status, body = await post_callback(session, chat.url, request)
    except TimeoutError:
        chat.say(f"the server at {chat.url} did not reply within {REPLY_TIMEOUT_SECONDS:g} s")
        return
    except aiohttp.ClientConnectionError:
        chat.say(not_answering(chat.url))
        return
    except aiohttp.ClientError as exc:
        chat.say(f"the request to {chat.url}/wechat failed: {exc}")
        return
    if status != 200:
        chat.say(describe_status(status, body))
        return
    text = printable_reply(chat.codec, body)
    if text is not None:
        chat.say(text)
    elif chat.color:
        chat.note("(no reply)")  # on a terminal only: piped output stays just the replies


async def post_callback(
    session: aiohttp.ClientSession, url: str, request: ServerRequest
) -> tuple[int, str]:
    """POST a callback as the WeChat server does; the status and the body as text."""
    async with session.post(
        f"{url}/wechat",
        params=request.query,
        data=request.body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
    ) as response:
        raw = await response.read()
    return response.status, raw.decode("utf-8", "replace")
