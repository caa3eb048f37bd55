"""A message as the conversation sees it, whatever channel brought it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Inbound:
    channel: str
    openid: str
    kind: str  # text | event | location | image | voice | video | shortvideo | link | unknown
    dedup_key: str
    text: str | None = None
    event: str | None = None
    event_key: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # the signed request's nonce, when the dedup record must bind it (bot.services.callbacks.replay)
    nonce: str | None = None
