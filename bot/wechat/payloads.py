"""The bodies WeChat expects, shaped from plain values."""

from collections.abc import Mapping, Sequence
from typing import Any

MASS_SEND_MIN = 2
MASS_SEND_MAX = 10_000

# Subscribe-message fields longer than this are refused with 47003 (the template's field type is
# the key's prefix: thing1, phrase2 …); shortened here, since a cut sentence beats no notice.
SUBSCRIBE_FIELD_LIMITS = {"thing": 20, "phrase": 5}


def template_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """`{"key": "text"}` as WeChat's `{"key": {"value": "text"}}`; dicts are kept as given."""
    return {key: _field(value) for key, value in data.items()}


def subscribe_data(data: Mapping[str, Any]) -> dict[str, Any]:
    fields = template_data(data)
    for key, field in fields.items():
        limit = _limit_for(key)
        value = field.get("value")
        if limit and isinstance(value, str) and len(value) > limit:
            fields[key] = {**field, "value": value[: limit - 1] + "…"}
    return fields


def mass_batches(openids: Sequence[str], size: int = MASS_SEND_MAX) -> list[list[str]]:
    """Openids in batches of at most `size`, none with fewer than two (WeChat's 40130): a last
    batch of one takes a recipient from the batch before it. The outbox cuts a broadcast into
    rows with it, and the gateway each row into calls, so both keep the same rule."""
    if not 2 * MASS_SEND_MIN - 1 <= size <= MASS_SEND_MAX:  # the lender must keep two
        raise ValueError(f"a batch holds {2 * MASS_SEND_MIN - 1} to {MASS_SEND_MAX} openids")
    batches = [list(openids[start : start + size]) for start in range(0, len(openids), size)]
    if len(batches) > 1 and len(batches[-1]) < MASS_SEND_MIN:
        batches[-1].insert(0, batches[-2].pop())
    return batches


def _field(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    return {"value": str(value)}


def _limit_for(key: str) -> int | None:
    prefix = key.rstrip("0123456789")
    return SUBSCRIBE_FIELD_LIMITS.get(prefix)
