"""Messages exactly as the WeChat server posts them, for tests and the terminal chat client."""

import secrets
import time

from bot.wechat.wire import Value, render


def build_text_xml(
    to_user: str,
    from_user: str,
    content: str,
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    """A text message; `msg_id` None gives a fresh one, as WeChat gives every message its own."""
    return _message(to_user, from_user, "text", [("Content", content)], msg_id, created)


def build_event_xml(
    to_user: str,
    from_user: str,
    event: str,
    event_key: str | None = None,
    created: int | None = None,
) -> str:
    """An event (`subscribe`, `unsubscribe`, `CLICK`, `VIEW`, `SCAN` … spelt as WeChat does)."""
    fields: list[tuple[str, Value]] = [("Event", event)]
    if event_key is not None:
        fields.append(("EventKey", event_key))
    return render(_head(to_user, from_user, "event", created) + fields)


def build_location_event_xml(
    to_user: str,
    from_user: str,
    latitude: float,
    longitude: float,
    precision: float = 30.0,
    created: int | None = None,
) -> str:
    """The LOCATION event WeChat reports when a user shares their position with the account."""
    fields: list[tuple[str, Value]] = [
        ("Event", "LOCATION"),
        ("Latitude", latitude),
        ("Longitude", longitude),
        ("Precision", precision),
    ]
    return render(_head(to_user, from_user, "event", created) + fields)


def build_location_xml(
    to_user: str,
    from_user: str,
    latitude: float,
    longitude: float,
    label: str = "",
    scale: int = 15,
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    """A location message (a place the user picked and sent in the chat)."""
    fields: list[tuple[str, Value]] = [
        ("Location_X", latitude),
        ("Location_Y", longitude),
        ("Scale", scale),
        ("Label", label),
    ]
    return _message(to_user, from_user, "location", fields, msg_id, created)


def build_image_xml(
    to_user: str,
    from_user: str,
    media_id: str,
    pic_url: str = "",
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    fields: list[tuple[str, Value]] = [("PicUrl", pic_url), ("MediaId", media_id)]
    return _message(to_user, from_user, "image", fields, msg_id, created)


def build_voice_xml(
    to_user: str,
    from_user: str,
    media_id: str,
    recognition: str | None = None,
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    """A voice message; `recognition` is WeChat's transcript, when speech recognition is on."""
    fields: list[tuple[str, Value]] = [("MediaId", media_id), ("Format", "amr")]
    if recognition is not None:
        fields.append(("Recognition", recognition))
    return _message(to_user, from_user, "voice", fields, msg_id, created)


def build_video_xml(
    to_user: str,
    from_user: str,
    media_id: str,
    thumb_media_id: str = "",
    short: bool = False,
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    fields: list[tuple[str, Value]] = [("MediaId", media_id), ("ThumbMediaId", thumb_media_id)]
    kind = "shortvideo" if short else "video"
    return _message(to_user, from_user, kind, fields, msg_id, created)


def build_link_xml(
    to_user: str,
    from_user: str,
    title: str,
    url: str,
    description: str = "",
    msg_id: int | None = None,
    created: int | None = None,
) -> str:
    fields: list[tuple[str, Value]] = [
        ("Title", title),
        ("Description", description),
        ("Url", url),
    ]
    return _message(to_user, from_user, "link", fields, msg_id, created)


def _message(
    to_user: str,
    from_user: str,
    msg_type: str,
    fields: list[tuple[str, Value]],
    msg_id: int | None,
    created: int | None,
) -> str:
    msg_id = secrets.randbits(63) if msg_id is None else msg_id
    return render([*_head(to_user, from_user, msg_type, created), *fields, ("MsgId", msg_id)])


def _head(
    to_user: str, from_user: str, msg_type: str, created: int | None
) -> list[tuple[str, Value]]:
    return [
        ("ToUserName", to_user),
        ("FromUserName", from_user),
        ("CreateTime", int(time.time()) if created is None else created),
        ("MsgType", msg_type),
    ]
