"""The bodies WeChat expects, shaped from plain values."""

from collections.abc import Mapping
from typing import Any

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


def _field(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    return {"value": str(value)}


def _limit_for(key: str) -> int | None:
    prefix = key.rstrip("0123456789")
    return SUBSCRIBE_FIELD_LIMITS.get(prefix)
