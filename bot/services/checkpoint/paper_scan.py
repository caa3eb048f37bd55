"""A paper code at a checkpoint (docs/paper-code.md): its reference token is verified like
any token, then its printed-code row is read with the person's live colour. Only the region
that printed it can do that: another region's paper code is refused, as is a revoked one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.health.tokens import (
    ReferenceToken,
    TokenInvalid,
    reference_region,
    verify_reference_token,
)
from bot.services.codes.hot_reads import ScannedCode, scanned_paper
from bot.services.runtime import Runtime

REVOKED, NOT_OURS = "revoked", "reference token"


@dataclass(frozen=True)
class PaperRead:
    code: ScannedCode | None  # None: refused, and ``refusal`` says why
    printed_at: datetime | None = None
    refusal: str | None = None  # the token's reason, REVOKED or NOT_OURS


async def read_paper(rt: Runtime, token: str) -> PaperRead:
    try:
        if reference_region(token) != rt.settings.region_adcode:
            # it carries no colour: only its issuer's database can say what it shows
            return PaperRead(None, refusal=NOT_OURS)
        claims = _verified(rt, token)
    except TokenInvalid as exc:
        return PaperRead(None, refusal=exc.reason)
    paper = await scanned_paper(claims.printed_id.hex())
    if paper is None or paper.revoked or paper.code is None:
        # no row: its person was erased, and the row with them
        return PaperRead(None, refusal=REVOKED)
    return PaperRead(paper.code, claims.issued_at)


def _verified(rt: Runtime, token: str) -> ReferenceToken:
    try:
        return verify_reference_token(rt.keyring, token, now=rt.now())
    except TokenInvalid as exc:
        # printed under a key another process of ours has just started signing with
        if exc.reason == "unknown kid" and rt.reload_keys():
            return verify_reference_token(rt.keyring, token, now=rt.now())
        raise
