"""The only part of the project that talks to the WeChat platform (wechatpy stays inside).

- callback side (pure, synchronous): `CallbackCodec`, `Incoming`, `check_signature`, `BadCallback`
  (with `ForgedCallback` and `StaleCallback`, the ones not from WeChat or not from now)
  and the `build_*_xml` builders that write messages exactly as the WeChat server does;
- API side (async, on a thread pool): `WeChatGateway` and its errors.
"""

from bot.wechat.api import SessionInfo, WeChatGateway
from bot.wechat.callback import (
    CallbackCodec,
    Reply,
    ServerRequest,
    check_signature,
    sign_request,
)
from bot.wechat.errors import (
    BadCallback,
    ForgedCallback,
    StaleCallback,
    WeChatError,
    WeChatPermanentError,
    WeChatQuotaError,
    WeChatTransientError,
)
from bot.wechat.incoming import Incoming
from bot.wechat.messages import (
    build_event_xml,
    build_image_xml,
    build_link_xml,
    build_location_event_xml,
    build_location_xml,
    build_text_xml,
    build_video_xml,
    build_voice_xml,
)
from bot.wechat.wire import MAX_BODY_BYTES

__all__ = [
    "MAX_BODY_BYTES",
    "BadCallback",
    "CallbackCodec",
    "ForgedCallback",
    "Incoming",
    "Reply",
    "ServerRequest",
    "SessionInfo",
    "StaleCallback",
    "WeChatError",
    "WeChatGateway",
    "WeChatPermanentError",
    "WeChatQuotaError",
    "WeChatTransientError",
    "build_event_xml",
    "build_image_xml",
    "build_link_xml",
    "build_location_event_xml",
    "build_location_xml",
    "build_text_xml",
    "build_video_xml",
    "build_voice_xml",
    "check_signature",
    "sign_request",
]
