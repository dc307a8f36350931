"""Write the configuration file (set-up): a safe update that keeps what a person wrote.

The file is edited with tomlkit, which keeps comments, blank lines and the order of
tables and keys: an administrator's notes in a configuration survive ``--setup``. Only the
keys the set-up changes are touched; the new text is checked with the same rules that
read it before it replaces the file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Table
from tomlkit.toml_document import TOMLDocument

from tawasul_desktop.config import (
    MACHINE_KEYS,
    ConfigError,
    Settings,
    load_settings,
    setting,
    site_config_file,
)


def dumps(data: Mapping[str, Any]) -> str:
    """TOML text for ``data``."""
    return tomlkit.dumps(data)


def parse(path: Path) -> TOMLDocument:
    """The file as an editable document (empty if there is none yet)."""
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None


def read_raw(path: Path) -> dict[str, Any]:
    return parse(path).unwrap()


def apply_changes(document: TOMLDocument,
                  changes: Mapping[str, Mapping[str, Any]]) -> TOMLDocument:
    """Set the keys of ``changes`` per table in place (None or "" removes the key; a table
    left empty goes); every other line, comment included, stays where it was."""
    for section, values in changes.items():
        for key in values:  # only declared keys (config.SETTINGS): never a typo into a file
            try:
                setting(section, key)
            except KeyError:
                raise ConfigError(f"{section}.{key} is not a setting") from None
        table = document.get(section)
        if table is None:
            table = tomlkit.table()
            document.add(section, table)
        elif not isinstance(table, Table | dict):
            raise ConfigError(f"[{section}] must be a table")
        for key, value in values.items():
            if value is None or value == "":
                if key in table:
                    del table[key]
            else:
                table[key] = value
        if not table:
            del document[section]
    return document


def _without_machine_keys(path: Path,
                          changes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A user's file does not repeat what the machine's file fixes (the counter, the data
    folder): it would be ignored there, with a warning at every start."""
    site = site_config_file()
    fixed: set[tuple[str, str]] = set()
    if site.exists() and site.resolve() != path.resolve():
        machine = read_raw(site)
        fixed = {(s, k) for s, k in MACHINE_KEYS if k in machine.get(s, {})}
    return {section: {k: v for k, v in values.items() if (section, k) not in fixed}
            for section, values in changes.items()}


def _write_checked(path: Path, changes: Mapping[str, Mapping[str, Any]], *,
                   replace: bool) -> Settings:
    text = tomlkit.dumps(apply_changes(parse(path), _without_machine_keys(path, changes)))
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
