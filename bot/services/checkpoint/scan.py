"""A checkpoint scan: verify the token, then read the live colour (docs/architecture.md), or, for
another region's token, verify it offline with the keys we trust it by (docs/trust.md). A
paper code's reference token has a branch of its own (docs/paper-code.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.health.colors import Color
from bot.health.identity import mask_name
from bot.health.tokens import (
    CodeToken,
    PublicKey,
    ReferenceNotAllowed,
    SignedToken,
    TokenExpired,
    TokenInvalid,
    read_token,
    verify_signed,
)
from bot.services.access.staff import StaffView
from bot.services.checkpoint.paper_scan import read_paper
from bot.services.checkpoint.scan_log import ScanRow
from bot.services.codes.decisions import reasons_in
from bot.services.codes.hot_reads import ScannedCode, scanned_code
from bot.services.residents.people import NAME
from bot.services.runtime import Runtime
from bot.texts import t

FEVER_FROM = 37.3  # ℃, FAQ 5: a temperature of 37.3 or more is refused
# The token module's reasons, as a scan's answer names them (scan.reason_* in the catalogue).
_REASONS = {
    "not text": "prefix",
    "prefix": "prefix",
    "encoding": "base45",
    "length": "length",
    "version": "format version",
    "unknown kid": "unknown key",
    "signature": "bad signature",
    "payload": "bad payload",
    "issued in the future": "not yet valid",  # a paper code's printing time
}


@dataclass(frozen=True, slots=True)
class Issuer:
    adcode: int
    name: str


@dataclass(frozen=True)
class ScanResult:
    verdict: str  # pass | deny | expired | invalid
    color: Color | None = None
    name: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    reasons: tuple[str, ...] = field(default=())
    # why a token was refused (expired, invalid): one of the scan.reason_* keys' suffixes
    reason: str | None = None
    issuer: Issuer | None = None
    source: str | None = None  # "live": our own code's colour now; "signed": another region's


async def scan(
    rt: Runtime, staff: StaffView, token: str, temperature: float | None, place: str | None
) -> ScanResult:
    """Judge the token and log the scan; returns once the log row is committed (group commit:
    ``bot.services.checkpoint.scan_log``), so every answered scan is on record."""
    result, person_id = await _judge(rt, token, temperature)
    await rt.scan_log.append(
        ScanRow(
            staff_id=staff.id,
            person_id=person_id,
            verdict=result.verdict,
            color=result.color.value if result.color else None,
            place=(place or "")[:64] or None,
            temperature=temperature,
            created_at=rt.now(),
        )
    )
    return result


async def _judge(
    rt: Runtime, token: str, temperature: float | None
) -> tuple[ScanResult, int | None]:
    try:
        signed = read_token(token)
        if signed.region == rt.settings.region_adcode:
            return await _own(rt, signed, temperature)
        return await _foreign(rt, signed, temperature), None
    except ReferenceNotAllowed:
        return await _paper(rt, token, temperature)
    except TokenExpired as exc:
        reason = "not yet valid" if exc.early else "expired"
        return ScanResult(
            "expired",
            issued_at=exc.token.issued_at,
            expires_at=exc.token.expires_at,
            reasons=(_sentence(reason),),
            reason=reason,
        ), None
    except TokenInvalid as exc:
        return _invalid(_REASONS.get(exc.reason, exc.reason)), None


async def _own(
    rt: Runtime, signed: SignedToken, temperature: float | None
) -> tuple[ScanResult, int | None]:
    claims = verify_signed(signed, _own_keys(rt, signed.kid), now=rt.now())
    # the code with its person in one statement: this is the rush hour's hottest path
    code = await scanned_code(claims.code_id.hex())
    if code is None:
        return _invalid("unknown code"), None
    # The live colour wins over the one signed into the token: it may have changed since.
    color = Color(code.color)
    reasons = reasons_in(code.reasons, "zh")
    name = mask_name(rt.sealer.open(code.name_sealed, NAME))
    info = rt.region_info
    issuer = Issuer(info.adcode, info.name)
    return _seen(claims, color, temperature, name, reasons, issuer, "live"), code.person_id


async def _paper(
    rt: Runtime, token: str, temperature: float | None
) -> tuple[ScanResult, int | None]:
    """A paper code: no colour of its own and no expiry; the live colour is all it shows."""
    paper = await read_paper(rt, token)
    if paper.code is None:
        refusal = paper.refusal or "bad payload"
        return _invalid(_REASONS.get(refusal, refusal)), None
    return live_result(rt, paper.code, temperature, paper.printed_at), paper.code.person_id


def live_result(
    rt: Runtime, code: ScannedCode, temperature: float | None, issued_at: datetime | None = None
) -> ScanResult:
    """What a checkpoint is shown of one of our own codes read without a live token: by a
    paper code, or by ID card (``bot.services.checkpoint.lookups``)."""
    color = Color(code.color)
    info = rt.region_info
    return ScanResult(
        _verdict(color, temperature),
        color,
        mask_name(rt.sealer.open(code.name_sealed, NAME)),
        issued_at,
        None,
        reasons_in(code.reasons, "zh"),
        issuer=Issuer(info.adcode, info.name),
        source="live",
    )


def _own_keys(rt: Runtime, kid: bytes) -> list[PublicKey]:
    keys = rt.keyring.keys_for(kid)
    # A kid we do not know may be a key another process of ours has just started signing
    # with: look at the key file (a stat, and a read only if it changed), so that a rotation
    # never fails a scan.
    if not keys and rt.reload_keys():
        keys = rt.keyring.keys_for(kid)
    return keys


async def _foreign(rt: Runtime, signed: SignedToken, temperature: float | None) -> ScanResult:
    if not 100000 <= signed.region <= 999999:
        return _invalid("unknown region")
    issuer = await rt.trusted.issuer(signed.region)
    if issuer is None:
        return _invalid("untrusted issuer")
    if rt.now() >= issuer.expires_at:
        return _invalid("stale trust list")
    keys = issuer.keys.get(signed.kid, ())
    claims = verify_signed(signed, keys, now=rt.now())
    # offline: the colour the issuer signed is all we know, and the answer says so
    named = Issuer(issuer.adcode, issuer.name)
    return _seen(claims, claims.color, temperature, None, (), named, "signed")


def _seen(
    claims: CodeToken,
    color: Color,
    temperature: float | None,
    name: str | None,
    reasons: tuple[str, ...],
    issuer: Issuer,
    source: str,
) -> ScanResult:
    return ScanResult(
        _verdict(color, temperature),
        color,
        name,
        claims.issued_at,
        claims.expires_at,
        reasons,
        issuer=issuer,
        source=source,
    )


def _verdict(color: Color, temperature: float | None) -> str:
    feverish = temperature is not None and temperature >= FEVER_FROM
    return "pass" if color is Color.GREEN and not feverish else "deny"


def _invalid(reason: str) -> ScanResult:
    return ScanResult("invalid", reasons=(_sentence(reason),), reason=reason)


def _sentence(reason: str) -> str:
    return t("scan.reason_" + reason.replace(" ", "_"))
