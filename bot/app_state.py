"""Typed keys for what the application holds (aiohttp's ``web.AppKey``)."""

from __future__ import annotations

from aiohttp import web

from bot.background import BackgroundWork
from bot.conversation.store import DialogueStore
from bot.rate_limits import RequestLimits
from bot.services.runtime import Runtime
from bot.single_flight import SingleFlight
from bot.wechat import CallbackCodec, WeChatGateway

RUNTIME = web.AppKey("runtime", Runtime)
DIALOGUES = web.AppKey("dialogues", DialogueStore)
CODEC = web.AppKey("codec", CallbackCodec)
GATEWAY = web.AppKey("gateway", WeChatGateway)
LIMITS = web.AppKey("limits", RequestLimits)
BACKGROUND = web.AppKey("background", BackgroundWork)
DATABASE_PING = web.AppKey("database_ping", SingleFlight[bool])
