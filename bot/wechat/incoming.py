"""One message or event from WeChat, as plain values (no wechatpy type leaves this package)."""

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.wechat.errors import BadCallback

KINDS = frozenset({"text", "event", "image", "voice", "video", "shortvideo", "location", "link"})
MEDIA_KINDS = frozenset({"image", "voice", "video", "shortvideo"})

# Openids are 28 characters and account ids (gh_…) about 15: anything far longer is not WeChat.
# The account table keeps at most 64.
MAX_USER_CHARS = 64
# An event's type and key as they appear in its dedup key; longer ones are digested, so the
# key (and the notice keys made from it) stays within its 128-character column.
MAX_EVENT_PART = 32
_CREATE_TIME = re.compile(r"[0-9]{1,12}")
_MSG_ID = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True, slots=True)
class Incoming:
    """`kind` is the MsgType (or `unknown`); `event` is the Event in lower case, for events."""

    kind: str
    from_user: str
    to_user: str
    created: int
    msg_id: int = 0
    event: str | None = None
    event_key: str | None = None
    content: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""
    media_id: str = ""
    recognition: str = ""
    encrypted: bool = False

    @property
    def dedup_key(self) -> str:
        """What identifies a redelivery, always within its sender: a MsgId is no secret, and
        another sender's copy of it must not reach this one's record. Events carry no MsgId
        (docs/architecture.md): their type and key tell a CLICK from a LOCATION of the same
        second."""
        if self.msg_id:
            return f"{self.from_user}:{self.msg_id}"
        what = f"{self.event or ''}:{self.event_key or ''}"
        if len(what) > MAX_EVENT_PART:
            what = hashlib.sha256(what.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self.from_user}:{self.created}:{what}"


def incoming_from_fields(fields: Mapping[str, str], *, encrypted: bool) -> Incoming:
    """Build an Incoming from the `<xml>` fields; raises BadCallback when one is malformed."""
    msg_type = _required(fields, "MsgType").lower()
    kind = msg_type if msg_type in KINDS else "unknown"
    event = _event(fields, kind)
    latitude, longitude = _position(fields, kind, event)
    return Incoming(
        kind=kind,
        from_user=_user(fields, "FromUserName"),
        to_user=_user(fields, "ToUserName"),
        created=_create_time(fields),
        msg_id=_msg_id(fields),
        event=event,
        event_key=(fields.get("EventKey") or None) if kind == "event" else None,
        content=fields.get("Content", "") if kind == "text" else "",
        latitude=latitude,
        longitude=longitude,
        label=fields.get("Label", "") if kind == "location" else "",
        media_id=fields.get("MediaId", "") if kind in MEDIA_KINDS else "",
        recognition=fields.get("Recognition", "") if kind == "voice" else "",
        encrypted=encrypted,
    )


def _event(fields: Mapping[str, str], kind: str) -> str | None:
    if kind != "event":
        return None
    return fields.get("Event", "").lower() or None


def _required(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name, "")
    if not value:
        raise BadCallback(f"no {name}")
    return value


def _user(fields: Mapping[str, str], name: str) -> str:
    value = _required(fields, name)
    if len(value) > MAX_USER_CHARS:
        raise BadCallback(f"{name} too long")
    return value


def _create_time(fields: Mapping[str, str]) -> int:
    value = _required(fields, "CreateTime")
    if not _CREATE_TIME.fullmatch(value):
        raise BadCallback("CreateTime is not a timestamp")
    return int(value)


def _msg_id(fields: Mapping[str, str]) -> int:
    value = fields.get("MsgId", "")
    if not value:
        return 0
    if not _MSG_ID.fullmatch(value) or int(value) >= 2**64:
        raise BadCallback("MsgId is not a 64-bit number")
    return int(value)


def _position(
    fields: Mapping[str, str], kind: str, event: str | None
) -> tuple[float | None, float | None]:
    if kind == "event" and event == "location":
        names = ("Latitude", "Longitude")
    elif kind == "location":
        names = ("Location_X", "Location_Y")
    else:
        return None, None
    return _degrees(fields, names[0], 90.0), _degrees(fields, names[1], 180.0)


def _degrees(fields: Mapping[str, str], name: str, bound: float) -> float:
    try:
        value = float(_required(fields, name))
    except ValueError as exc:
        raise BadCallback(f"{name} is not a number") from exc
    if not math.isfinite(value) or abs(value) > bound:
        raise BadCallback(f"{name} out of range")
    return value
