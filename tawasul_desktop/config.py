"""Application configuration: one TOML file, environment overrides, platform folders.

The file is found at ``$TAWASUL_CONFIG`` or in the platform's config folder
(``config.toml``). Every key is optional; see README "Configuration" for the list.
Errors name the key and the file, never a traceback.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import PlatformDirs

from tawasul_desktop.domain.policy import Policy, PolicyError, default_policy

APP_NAME = "tawasul-desk"
_dirs = PlatformDirs(APP_NAME, appauthor=False)
SITE_CONFIG_ENV = "TAWASUL_SITE_CONFIG_DIR"
log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """Invalid configuration; the message names the key and the file, one line a problem."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class Settings:
    config_file: Path
    data_dir: Path
    db_path: Path
    centre_code: str = "101"
    counter: int = 1
    centre_name_ar: str = "مركز خدمات الجوازات"
    centre_name_en: str = "Passports Service Centre"
    directorate_ar: str = "المديرية العامة للجوازات"
    directorate_en: str = "General Directorate of Passports"
    receipt_format: str = "a5"
    receipt_font: str | None = None
    receipt_printer: str | None = None  # the counter's receipt printer: Print goes there at once
    central_dsn: str | None = None
    # The central password never sits in this file: a file of its own (owner-only), or the keyring.
    central_password_file: Path | None = None
    central_sslmode: str | None = None
    central_sslrootcert: str | None = None
    # A streaming replica of central for the supervisors' queue and dashboard reads (same
    # role, password source and TLS settings as ``central_dsn``); writes stay on the primary.
    central_read_dsn: str | None = None
    sync_interval_seconds: int = 60
    language: str = "ar"
    idle_lock_minutes: int = 5
    log_command_line: bool = False  # the `tawasul` command logs to the desktop's file too
    policy: Policy = field(default_factory=default_policy)
    # The machine's file, when there is one (read before config_file), and what was odd in
    # either (unknown keys, a machine key a user's file tried to change).
    site_config_file: Path | None = None
    warnings: tuple[str, ...] = ()

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


def default_config_file() -> Path:
    """The user's configuration file: ``$TAWASUL_CONFIG`` or the platform's user folder."""
    env = os.environ.get("TAWASUL_CONFIG")
    return Path(env) if env else Path(_dirs.user_config_dir) / "config.toml"


def site_config_file() -> Path:
    """The machine's configuration file, read before the user's: ``config.toml`` in
    ``$TAWASUL_SITE_CONFIG_DIR`` (tests, unusual installs) or the platform's site folder
    (``/etc/xdg/tawasul-desk`` on Linux, ``%PROGRAMDATA%\\tawasul-desk`` on Windows)."""
    env = os.environ.get(SITE_CONFIG_ENV)
    return Path(env or _dirs.site_config_dir) / "config.toml"


def site_data_dir() -> Path:
    """The machine-wide data folder used when the machine's file says ``storage.shared``."""
    return Path(_dirs.site_data_dir)


# Keys that say which counter this machine is and where its database lives: set in the
# machine's file they hold for every account, so two accounts on one PC never keep two
# databases numbering requests with the same counter.
MACHINE_KEYS = frozenset({("centre", "code"), ("centre", "counter"), ("storage", "data_dir"),
                          ("storage", "db"), ("storage", "shared")})


class _Table(dict[str, Any]):
    """One table of the configuration; remembers which keys the reader asked for (the rest
    are unknown: a warning names them) and which file each value came from."""

    def __init__(self, layers: _Layers, name: str, values: dict[str, Any],
                 origin: dict[str, Path], default_source: Path) -> None:
        super().__init__(values)
        self.layers = layers
        self.name = name
        self.origin = origin
        self.default_source = default_source
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def source_of(self, key: str) -> Path:
        return self.origin.get(key, self.default_source)


class _Layers:
    """The machine's file and the user's, merged table by table (the user's value wins,
    except for ``MACHINE_KEYS`` the machine sets); every problem is collected."""

    def __init__(self, files: list[Path], user_file: Path) -> None:
        self.user_file = user_file
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.raw: dict[str, dict[str, Any]] = {}
        self.origin: dict[str, dict[str, Path]] = {}
        self.scalars: dict[str, Path] = {}
        self.tables: dict[str, _Table] = {}
        machine: dict[tuple[str, str], Path] = {}
        for path in files:
            data = self._read(path)
            for name, value in data.items():
                if not isinstance(value, dict):
                    self.scalars.setdefault(name, path)
                    continue
                table = self.raw.setdefault(name, {})
                origin = self.origin.setdefault(name, {})
                for key, item in value.items():
                    locked = machine.get((name, key))
                    if locked is not None and locked != path:
                        self.warnings.append(
                            f"{path}: {name}.{key} is set for the whole machine in {locked}; "
                            "the value here is ignored")
                        continue
                    if name == "policy" and isinstance(item, dict) and \
                            isinstance(table.get(key), dict):
                        item = {**table[key], **item}  # a policy section merges key by key
                    table[key] = item
                    origin[key] = path
                    if path != user_file and (name, key) in MACHINE_KEYS:
                        machine[(name, key)] = path

    def _read(self, path: Path) -> dict[str, Any]:
        if not path.exists():
            return {}
        try:
            with path.open("rb") as fh:
                return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            self.problems.append(f"{path}: not valid TOML ({exc})")
        except OSError as exc:
            self.problems.append(f"{path}: cannot be read ({exc.strerror})")
        return {}

    def section(self, name: str) -> _Table:
        table = _Table(self, name, self.raw.get(name, {}), self.origin.get(name, {}),
                       self.user_file)
        self.tables[name] = table
        return table

    def source(self, section: str, key: str | None = None) -> Path:
        origin = self.origin.get(section, {})
        if key is not None and key in origin:
            return origin[key]
        return next(iter(origin.values()), self.user_file)

    def typed(self, table: _Table, key: str, kind: type) -> Any:
        value = table.get(key)
        if value is None:
            return None
        where = f"{table.source_of(key)}: {table.name}.{key}"
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.problems.append(f"{where} must be a whole number")
            return None
        if kind is str and not isinstance(value, str):
            self.problems.append(f"{where} must be text")
            return None
        if kind is bool and not isinstance(value, bool):
            self.problems.append(f"{where} must be true or false")
            return None
        return value

    def unknown_keys(self, extra_sections: tuple[str, ...] = ("policy",)) -> None:
        """A warning for each key nobody read, naming the nearest known key."""
        known_sections = [*self.tables, *extra_sections]
        known_keys = [f"{t}.{k}" for t, table in self.tables.items() for k in table.asked]
        for name in self.scalars:
            self._unknown(self.scalars[name], name, known_sections + known_keys)
        for name, values in self.raw.items():
            if name in extra_sections:
                continue
            table = self.tables.get(name)
            for key in values:
                if table is not None and key in table.asked:
                    continue
                source = self.origin.get(name, {}).get(key, self.user_file)
                if table is None:
                    self._unknown(source, f"[{name}]", [f"[{t}]" for t in known_sections],
                                  what="section")
                    break
                self._unknown(source, f"{name}.{key}", known_keys)

    def _unknown(self, source: Path, name: str, known: list[str], what: str = "key") -> None:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if not close:  # the right key in the wrong table (counter under [storage])
            bare = name.rsplit(".", 1)[-1]
            close = [k for k in known if k.rsplit(".", 1)[-1] == bare][:1]
        hint = f"; did you mean {close[0]}?" if close else ""
        self.warnings.append(f"{source}: unknown {what} {name} (ignored){hint}")


def _section(raw: dict[str, Any], name: str, source: Path) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    return value


def _typed(table: dict[str, Any], key: str, kind: type, source: Path, section: str) -> Any:
    """A value of ``kind`` or None; a wrong type is collected (a ``_Table``) or raised."""
    if isinstance(table, _Table):
        return table.layers.typed(table, key, kind)
    value = table.get(key)
    if value is None:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{source}: {section}.{key} must be a whole number")
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{source}: {section}.{key} must be text")
    return value


def _check_centre(code: str, source: str) -> str:
    code = code.strip()
    if not re.fullmatch(r"[0-9]{3}", code):
        raise ConfigError(f"{source}: centre code must be three digits, not {code!r}")
    return code


def _check_counter(value: Any, source: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"{source}: counter must be a number from 1 to 99, not {value!r}"
        ) from None
    if not 1 <= number <= 99:
        raise ConfigError(f"{source}: counter must be a number from 1 to 99, not {value!r}")
    return number


_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _dsn_has_password(dsn: str) -> bool:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return bool(conninfo_to_dict(dsn).get("password"))
    except Exception:  # a malformed DSN is reported when used, with the driver's message
        return False


def load_settings(
    config_file: Path | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    site_config: Path | None = None,
    named_must_exist: bool = False,
) -> Settings:
    """Read the machine's file, then the user's, then environment, then explicit arguments
    (README "Configuration", precedence). Every invalid value is reported at once.

    With ``named_must_exist``, a file named by ``config_file`` or $TAWASUL_CONFIG that does not
    exist is an error: its defaults (centre 101, counter 1) would collide with a real desk's
    request numbers. Only the platform's default location may be absent."""
    source = config_file or default_config_file()
    named = config_file or os.environ.get("TAWASUL_CONFIG")
    if named_must_exist and named and not source.is_file():
        raise ConfigError(
            f"{source}: configuration file not found; create it (`tawasul-desktop` set-up "
            "writes one) or name the right file with --config or $TAWASUL_CONFIG"
        )
    site = site_config or site_config_file()
    files = [site, source] if site != source else [source]
    layers = _Layers(files, source)
    problems = layers.problems

    def table(name: str) -> _Table:
        if name in layers.scalars:
            problems.append(f"{layers.scalars.pop(name)}: [{name}] must be a table")
        return layers.section(name)

    centre = table("centre")
    storage = table("storage")
    receipt = table("receipt")
    central = table("central")
    ui = table("ui")
    log_table = table("log")

    def checked(check: Any, value: Any, where: str, default: Any) -> Any:
        try:
            return check(value, where)
        except ConfigError as exc:
            problems.append(str(exc))
            return default

    env_centre = os.environ.get("TAWASUL_CENTRE")
    centre_code = checked(
        _check_centre, env_centre or _typed(centre, "code", str, source, "centre") or "101",
        "TAWASUL_CENTRE" if env_centre else f"{centre.source_of('code')}: centre.code", "101")
    env_counter = os.environ.get("TAWASUL_COUNTER")
    counter = checked(
        _check_counter, env_counter or centre.get("counter", 1),
        "TAWASUL_COUNTER" if env_counter else f"{centre.source_of('counter')}: centre.counter",
        1)

    shared = _typed(storage, "shared", bool, source, "storage")
    if shared and storage.source_of("shared") == source and source != site:
        problems.append(f"{source}: storage.shared belongs in the machine's file ({site})")
        shared = False
    resolved_data = Path(
        data_dir
        or os.environ.get("TAWASUL_DATA_DIR")
        or _typed(storage, "data_dir", str, source, "storage")
        or (site_data_dir() if shared else _dirs.user_data_dir)
    ).expanduser()
    resolved_db = Path(
        db
        or os.environ.get("TAWASUL_DB")
        or _typed(storage, "db", str, source, "storage")
        or resolved_data / "tawasul.sqlite3"
    ).expanduser()

    receipt_format = _typed(receipt, "format", str, source, "receipt") or "a5"
    if receipt_format not in ("a5", "a4", "roll80"):
        problems.append(f"{receipt.source_of('format')}: receipt.format must be a5, a4 or "
                        f"roll80, not {receipt_format!r}")
        receipt_format = "a5"
    language = _typed(ui, "language", str, source, "ui") or "ar"
    if language not in ("ar", "en"):
        problems.append(f"{ui.source_of('language')}: ui.language must be ar or en, "
                        f"not {language!r}")
        language = "ar"
    idle = _typed(ui, "idle_lock_minutes", int, source, "ui")

    policy = default_policy()
    if "policy" in layers.scalars:
        problems.append(f"{layers.scalars.pop('policy')}: [policy] must be a table")
    for name, values in layers.raw.get("policy", {}).items():  # each alone: all reported
        try:
            policy = policy.with_overrides({name: values}, str(layers.source("policy", name)))
        except PolicyError as exc:
            problems.append(str(exc))

    central_dsn = _typed(central, "dsn", str, source, "central")
    if central_dsn and _dsn_has_password(central_dsn):
        problems.append(f"{central.source_of('dsn')}: central.dsn must not hold a password; "
                        "put it in the file named by central.password_file")
    read_dsn = _typed(central, "read_dsn", str, source, "central")
    if read_dsn and _dsn_has_password(read_dsn):
        problems.append(f"{central.source_of('read_dsn')}: central.read_dsn must not hold a "
                        "password; put it in the file named by central.password_file")
    sslmode = _typed(central, "sslmode", str, source, "central")
    if sslmode is not None and sslmode not in _SSLMODES:
        problems.append(f"{central.source_of('sslmode')}: central.sslmode must be one of "
                        f"{', '.join(_SSLMODES)}")
    password_file = _typed(central, "password_file", str, source, "central")
    sslrootcert = _typed(central, "sslrootcert", str, source, "central")
    interval = _typed(central, "sync_interval_seconds", int, source, "central")
    if interval is not None and interval < 5:
        problems.append(f"{central.source_of('sync_interval_seconds')}: "
                        "central.sync_interval_seconds must be at least 5")

    texts = {key: _typed(centre, key, str, source, "centre")
             for key in ("name_ar", "name_en", "directorate_ar", "directorate_en")}
    receipt_font = _typed(receipt, "font", str, source, "receipt")
    receipt_printer = _typed(receipt, "printer", str, source, "receipt")
    log_command_line = _typed(log_table, "command_line", bool, source, "log")

    layers.unknown_keys()
    if problems:
        raise ConfigError("\n".join(problems), problems)
    for warning in layers.warnings:
        log.warning("configuration: %s", warning)

    defaults = Settings(config_file=source, data_dir=resolved_data, db_path=resolved_db)
    return Settings(
        config_file=source,
        data_dir=resolved_data,
        db_path=resolved_db,
        centre_code=centre_code,
        counter=counter,
        centre_name_ar=texts["name_ar"] or defaults.centre_name_ar,
        centre_name_en=texts["name_en"] or defaults.centre_name_en,
        directorate_ar=texts["directorate_ar"] or defaults.directorate_ar,
        directorate_en=texts["directorate_en"] or defaults.directorate_en,
        receipt_format=receipt_format,
        receipt_font=receipt_font,
        receipt_printer=receipt_printer or None,
        central_dsn=os.environ.get("TAWASUL_CENTRAL_DSN") or central_dsn,
        central_password_file=Path(password_file).expanduser() if password_file else None,
        central_sslmode=sslmode,
        central_sslrootcert=sslrootcert,
        central_read_dsn=os.environ.get("TAWASUL_CENTRAL_READ_DSN") or read_dsn or None,
        sync_interval_seconds=interval or 60,
        language=language,
        idle_lock_minutes=idle or 5,
        log_command_line=bool(log_command_line),
        policy=policy,
        site_config_file=site if site.exists() and site != source else None,
        warnings=tuple(layers.warnings),
    )
