"""Application configuration: one TOML file, environment overrides, platform folders.

The file is found at ``$TAWASUL_CONFIG`` or in the platform's config folder
(``config.toml``). Every key is optional and declared once in ``SETTINGS`` (type, default,
choices, environment variable, help); README "Configuration" lists them.
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


# --- the settings, declared once ------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One key of the configuration file: where it lives, its type and default, the values it
    may take, the environment variable that overrides it, and what it is for. The loader,
    the writer, the set-up dialog and the command line all read these."""

    section: str
    key: str
    attr: str  # the Settings field it fills
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    env: str | None = None
    minimum: int | None = None
    special: bool = False  # checked by its own code in load_settings (paths, codes, secrets)

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


RECEIPT_FORMATS = ("a5", "a4", "roll80")
LANGUAGES = ("ar", "en")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

SETTINGS: tuple[Setting, ...] = (
    Setting("centre", "code", "centre_code", str, "101",
            "the centre's three-digit code (first part of every request number)",
            env="TAWASUL_CENTRE", special=True),
    Setting("centre", "counter", "counter", int, 1, "this counter's number, 1 to 99",
            env="TAWASUL_COUNTER", special=True),
    Setting("centre", "name_ar", "centre_name_ar", str, "مركز خدمات الجوازات",
            "the centre's name in Arabic (receipts)"),
    Setting("centre", "name_en", "centre_name_en", str, "Passports Service Centre",
            "the centre's name in English (receipts)"),
    Setting("centre", "directorate_ar", "directorate_ar", str, "المديرية العامة للجوازات",
            "the directorate's name in Arabic (receipts)"),
    Setting("centre", "directorate_en", "directorate_en", str,
            "General Directorate of Passports", "the directorate's name in English (receipts)"),
    Setting("storage", "data_dir", "data_dir", str, None,
            "the data folder (default: the platform's user data folder)",
            env="TAWASUL_DATA_DIR", special=True),
    Setting("storage", "db", "db_path", str, None,
            "the SQLite database (default: tawasul.sqlite3 in the data folder)",
            env="TAWASUL_DB", special=True),
    Setting("storage", "shared", "data_dir", bool, False,
            "machine's file only: one data folder for every account of this PC", special=True),
    Setting("receipt", "format", "receipt_format", str, "a5", "the receipt's paper",
            choices=RECEIPT_FORMATS),
    Setting("receipt", "font", "receipt_font", str, None,
            "a TrueType font with Arabic for receipts (default: the bundled one)"),
    Setting("receipt", "printer", "receipt_printer", str, None,
            "the counter's receipt printer: Print goes there at once"),
    Setting("central", "dsn", "central_dsn", str, None,
            "the central PostgreSQL (libpq connection string, without a password)",
            env="TAWASUL_CENTRAL_DSN", special=True),
    Setting("central", "read_dsn", "central_read_dsn", str, None,
            "a streaming replica of central for supervisors' queue and dashboard reads "
            "(writes stay on the primary)", env="TAWASUL_CENTRAL_READ_DSN", special=True),
    Setting("central", "idle_dsn", "central_idle_dsn", str, None,
            "PgBouncer in transaction mode for idle passes: the desk holds one connection "
            "there and an idle pass is one statement (central c0012)",
            env="TAWASUL_CENTRAL_IDLE_DSN", special=True),
    Setting("central", "password_file", "central_password_file", str, None,
            "a file (owner-only) holding the central password", special=True),
    Setting("central", "sslmode", "central_sslmode", str, None, "libpq sslmode",
            choices=SSLMODES),
    Setting("central", "sslrootcert", "central_sslrootcert", str, None,
            "the CA certificate that signed central's"),
    Setting("central", "sync_interval_seconds", "sync_interval_seconds", int, 60,
            "seconds between sync rounds", minimum=5),
    Setting("central", "pooled", "central_pooled", bool, False,
            "the dsn names a pooler in transaction mode (PgBouncer): no server-side "
            "prepared statements"),
    Setting("central", "desk_role", "central_desk_role", str, None,
            "this counter's role when the dsn's user is the desks' shared login (through "
            "PgBouncer in session mode); password_file then holds the counter's password"),
    Setting("ui", "language", "language", str, "ar", "the interface language",
            choices=LANGUAGES),
    Setting("ui", "idle_lock_minutes", "idle_lock_minutes", int, 5,
            "minutes without input before the screen locks"),
    Setting("log", "command_line", "log_command_line", bool, False,
            "the `tawasul` command logs to the desktop's file too"),
)
SECTIONS = tuple(dict.fromkeys(s.section for s in SETTINGS))


def setting(section: str, key: str) -> Setting:
    """The declaration of ``section.key`` (KeyError if there is none)."""
    for s in SETTINGS:
        if s.section == section and s.key == key:
            return s
    raise KeyError(f"{section}.{key}")


def _default(attr: str) -> Any:
    return next(s.default for s in SETTINGS if s.attr == attr)


def _one_of(choices: tuple[str, ...]) -> str:
    return f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) > 1 else choices[0]


@dataclass(frozen=True)
class Settings:
    config_file: Path
    data_dir: Path
    db_path: Path
    centre_code: str = _default("centre_code")
    counter: int = _default("counter")
    centre_name_ar: str = _default("centre_name_ar")
    centre_name_en: str = _default("centre_name_en")
    directorate_ar: str = _default("directorate_ar")
    directorate_en: str = _default("directorate_en")
    receipt_format: str = _default("receipt_format")
    receipt_font: str | None = None
    receipt_printer: str | None = None  # the counter's receipt printer: Print goes there at once
    central_dsn: str | None = None
    # The central password never sits in this file: a file of its own (owner-only), or the keyring.
    central_password_file: Path | None = None
    central_sslmode: str | None = None
    central_sslrootcert: str | None = None
    central_pooled: bool = _default("central_pooled")
    central_desk_role: str | None = None
    # A streaming replica of central for the supervisors' queue and dashboard reads (same
    # role, password source and TLS settings as ``central_dsn``); writes stay on the primary.
    central_read_dsn: str | None = None
    # PgBouncer in transaction mode for idle passes (one held connection; same login and
    # password source as ``central_dsn``).
    central_idle_dsn: str | None = None
    sync_interval_seconds: int = _default("sync_interval_seconds")
    language: str = _default("language")
    idle_lock_minutes: int = _default("idle_lock_minutes")
    log_command_line: bool = _default("log_command_line")
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
        if name in layers.tables:
            return layers.tables[name]
        if name in layers.scalars:
            problems.append(f"{layers.scalars.pop(name)}: [{name}] must be a table")
        return layers.section(name)

    tables = {name: table(name) for name in SECTIONS}
    centre, storage, central = tables["centre"], tables["storage"], tables["central"]

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

    plain: dict[str, Any] = {}
    for spec in SETTINGS:  # the declared keys without code of their own
        if spec.special:
            continue
        where = table(spec.section)
        value = _typed(where, spec.key, spec.kind, source, spec.section)
        if spec.env and os.environ.get(spec.env):
            value = os.environ[spec.env]
        if value == "":
            value = None  # an empty value is no value: the default holds
        if value is not None and spec.choices and value not in spec.choices:
            problems.append(f"{where.source_of(spec.key)}: {spec.name} must be "
                            f"{_one_of(spec.choices)}, not {value!r}")
            value = None
        if value is not None and spec.minimum is not None and value < spec.minimum:
            problems.append(f"{where.source_of(spec.key)}: {spec.name} must be at least "
                            f"{spec.minimum}")
            value = None
        plain[spec.attr] = bool(value) if spec.kind is bool else (value or spec.default)

    if plain.get("central_desk_role") and plain.get("central_pooled"):
        problems.append(
            f"{central.source_of('desk_role')}: central.desk_role needs PgBouncer in session "
            "mode; with central.pooled (transaction mode) the next client of a server "
            "connection would act as this counter")
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
    idle_dsn = _typed(central, "idle_dsn", str, source, "central")
    if idle_dsn and _dsn_has_password(idle_dsn):
        problems.append(f"{central.source_of('idle_dsn')}: central.idle_dsn must not hold a "
                        "password; put it in the file named by central.password_file")
    password_file = _typed(central, "password_file", str, source, "central")

    layers.unknown_keys()
    if problems:
        raise ConfigError("\n".join(problems), problems)
    for warning in layers.warnings:
        log.warning("configuration: %s", warning)

    return Settings(
        config_file=source,
        data_dir=resolved_data,
        db_path=resolved_db,
        centre_code=centre_code,
        counter=counter,
        central_dsn=os.environ.get("TAWASUL_CENTRAL_DSN") or central_dsn,
        central_password_file=Path(password_file).expanduser() if password_file else None,
        central_read_dsn=os.environ.get("TAWASUL_CENTRAL_READ_DSN") or read_dsn or None,
        central_idle_dsn=os.environ.get("TAWASUL_CENTRAL_IDLE_DSN") or idle_dsn or None,
        policy=policy,
        **plain,
        site_config_file=site if site.exists() and site != source else None,
        warnings=tuple(layers.warnings),
    )
