"""TOML tables to typed records, and the table helpers every part of the loader uses."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from bot.health.colors import Color
from bot.health.rules.ruleset import RulesetError

T = TypeVar("T", bound="DataclassInstance")  # the records a ruleset file is read into


def _get(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise RulesetError(f"{where}: {key} is missing")
    if not isinstance(table[key], kind):
        raise RulesetError(f"{where}: {key} must be a {kind.__name__}")
    return table[key]


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RulesetError(f"{key} must be written as [[{key}]] tables")
    return items


def _no_unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise RulesetError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _record(cls: type[T], table: object, where: str) -> T:
    if not isinstance(table, dict):
        raise RulesetError(f"{where}: must be a table")
    hints = get_type_hints(cls)
    _no_unknown(table, {f.name for f in fields(cls)}, where)
    values = {key: _convert(hints[key], value, f"{where}.{key}") for key, value in table.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise RulesetError(f"{where}: {error}") from error


def _convert(hint: Any, value: object, where: str) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        kinds = [a for a in args if a is not NoneType]
        for kind in kinds[:-1]:  # the first kind the value is (a date, or else a date-time)
            try:
                return _convert(kind, value, where)
            except RulesetError:
                continue
        return _convert(kinds[-1], value, where)
    if origin in (tuple, frozenset):
        if not isinstance(value, list):
            raise RulesetError(f"{where}: must be a list")
        return origin(_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(value))
    if isinstance(hint, type) and is_dataclass(hint):
        return _record(hint, value, where)
    return _scalar(hint, value, where)


def _scalar(hint: Any, value: object, where: str) -> Any:
    if hint is Color:
        if not isinstance(value, str) or value not in {color.value for color in Color}:
            raise RulesetError(f"{where}: unknown colour {value!r}")
        return Color(value)
    if hint is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise RulesetError(f"{where}: must be a date-time with an offset (…T09:00:00+08:00)")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not hint:  # exact: a bool is no int, a datetime is no date
        raise RulesetError(f"{where}: must be {hint.__name__}, not {value!r}")
    return value
