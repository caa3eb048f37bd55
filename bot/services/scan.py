"""A checkpoint scan: verify the token, then read the live colour (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.health.colors import Color
from bot.health.errors import InvalidInput
from bot.health.identity import mask_name
from bot.health.tokens import TokenExpired, TokenInvalid, verify_token
from bot.services.decisions import reasons_in
from bot.services.hot_reads import scanned_code
from bot.services.people import NAME
from bot.services.runtime import Runtime
from bot.services.scan_log import ScanRow
from bot.services.staff import StaffView

FEVER_FROM = 37.3  # ℃, FAQ 5: a temperature of 37.3 or more is refused


@dataclass(frozen=True)
class ScanResult:
    verdict: str  # pass | deny | expired | invalid
    color: Color | None = None
    name: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    reasons: tuple[str, ...] = field(default=())


def parse_temperature(raw: object) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidInput("scan.temperature")
    if not 34.0 <= float(raw) <= 43.0:
        raise InvalidInput("scan.temperature")
    return float(raw)


async def scan(
    rt: Runtime, staff: StaffView, token: str, temperature: float | None, place: str | None
) -> ScanResult:
    """Judge the token and log the scan; returns once the log row is committed (group commit:
    ``bot.services.scan_log``), so every answered scan is on record."""
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
        claims = verify_token(rt.keyring, token, now=rt.now())
    except TokenExpired as exc:
        return ScanResult(
            "expired", issued_at=exc.token.issued_at, expires_at=exc.token.expires_at
        ), None
    except TokenInvalid:
        return ScanResult("invalid"), None
    # the code with its person in one statement: this is the rush hour's hottest path
    code = await scanned_code(claims.code_id.hex())
    if code is None:
        return ScanResult("invalid"), None
    # The live colour wins over the one signed into the token: it may have changed since.
    color = Color(code.color)
    feverish = temperature is not None and temperature >= FEVER_FROM
    verdict = "pass" if color is Color.GREEN and not feverish else "deny"
    reasons = reasons_in(code.reasons, "zh")
    name = mask_name(rt.sealer.open(code.name_sealed, NAME))
    return ScanResult(
        verdict, color, name, claims.issued_at, claims.expires_at, reasons
    ), code.person_id
