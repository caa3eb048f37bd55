"""A resident on WeChat, as our server sees one: every message is signed XML sent by the
WeChat server to POST /wechat, and the passive reply is read back (decrypted in safe mode)."""

from __future__ import annotations

import itertools
import secrets

from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.wechat import (
    CallbackCodec,
    build_event_xml,
    build_image_xml,
    build_location_event_xml,
    build_text_xml,
)

ACCOUNT = "gh_healthcode00"
# CreateTime: one apart per message, so two events never share a second by accident
_clock = itertools.count(1_790_000_000)


class WeChatUser:
    def __init__(self, client: TestClient, codec: CallbackCodec, openid: str) -> None:
        self.client = client
        self.codec = codec
        self.openid = openid
        self.last_status = 0

    async def say(self, text: str, msg_id: int | None = None) -> str:
        msg_id = msg_id or secrets.randbits(62)
        return await self.send(build_text_xml(ACCOUNT, self.openid, text, msg_id, next(_clock)))

    async def click(self, key: str) -> str:
        return await self.send(build_event_xml(ACCOUNT, self.openid, "CLICK", key, next(_clock)))

    async def event(self, event: str, created: int | None = None) -> str:
        xml = build_event_xml(ACCOUNT, self.openid, event, None, created or next(_clock))
        return await self.send(xml)

    async def location(self, lat: float, lng: float) -> str:
        xml = build_location_event_xml(ACCOUNT, self.openid, lat, lng, created=next(_clock))
        return await self.send(xml)

    async def image(self) -> str:
        xml = build_image_xml(
            ACCOUNT, self.openid, "media-1", msg_id=secrets.randbits(62), created=next(_clock)
        )
        return await self.send(xml)

    async def send(self, xml: str) -> str:
        """The reply's text ('' for `success`)."""
        # the query's timestamp is the server's now: it refuses one outside WeChat's window
        now = int(self.client.app[RUNTIME].now().timestamp())
        request = self.codec.server_request(xml, timestamp=str(now), nonce=secrets.token_hex(6))
        response = await self.client.post("/wechat", params=request.query, data=request.body)
        self.last_status = response.status
        body = await response.text()
        assert response.status == 200, body
        reply = self.codec.open_reply(body)
        return reply.content if reply else ""

    async def converse(self, *answers: str) -> list[str]:
        return [await self.say(answer) for answer in answers]
