"""Write the configuration file (first-run set-up): a small TOML writer and a safe update.

The standard library reads TOML (tomllib) but does not write it. What the configuration
holds is simple — tables of strings, whole numbers, booleans, floats, dates and lists of
those — so a writer of our own of a few dozen lines does, without another dependency.
Keys and values the set-up does not touch (policy overrides, sync settings) are kept;
comments are not (the file is rewritten whole).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tawasul_desktop.config import ConfigError, Settings, load_settings

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("the configuration holds no NaN or infinite numbers")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):  # a table inside an array or a value: inline
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps(data: Mapping[str, Any]) -> str:
    """TOML text for ``data`` (plain values first, then each table as ``[a.b]``)."""
    lines: list[str] = []

    def table(node: Mapping[str, Any], path: list[str]) -> None:
        plain = [(k, v) for k, v in node.items() if not isinstance(v, Mapping)]
        nested = [(k, v) for k, v in node.items() if isinstance(v, Mapping)]
        if path and (plain or not nested):
            if lines:
                lines.append("")
            lines.append("[" + ".".join(_key(p) for p in path) + "]")
        for key, value in plain:
            if value is None:
                continue  # TOML has no null: an unset key is left out
            lines.append(f"{_key(key)} = {_value(value)}")
        for key, value in nested:
            table(value, [*path, key])

    table(data, [])
    return "\n".join(lines) + "\n"


def read_raw(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def merged(raw: Mapping[str, Any], changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``raw`` with the keys of ``changes`` set per table (a None value removes the key)."""
    result = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in raw.items()}
    for section, values in changes.items():
        table = result.setdefault(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] must be a table")
        for key, value in values.items():
            if value is None or value == "":
                table.pop(key, None)
            else:
                table[key] = value
        if not table:
            del result[section]
    return result


def _write_checked(path: Path, changes: Mapping[str, Mapping[str, Any]], *,
                   replace: bool) -> Settings:
    text = dumps(merged(read_raw(path), changes))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            settings = load_settings(temporary)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(temporary), str(path))) from None
        if not replace:
            return settings
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return load_settings(path)


def check_config_changes(path: Path, changes: Mapping[str, Mapping[str, Any]]) -> Settings:
    """The settings the file would give with ``changes``, checked, without changing it."""
    return _write_checked(path, changes, replace=False)


def update_config_file(path: Path, changes: Mapping[str, Mapping[str, Any]]) -> Settings:
    """Set keys in the configuration file, checked with the same rules that read it.

    The new text is written to a temporary file beside ``path`` and loaded; only if it is
    valid does it replace the file (atomically). An invalid value raises ConfigError naming
    the key and ``path``; the file is then left as it was."""
    return _write_checked(path, changes, replace=True)
