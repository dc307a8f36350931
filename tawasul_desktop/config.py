"""Application configuration: one TOML file, environment overrides, platform folders.

The file is found at ``$TAWASUL_CONFIG`` or in the platform's config folder
(``config.toml``). Every key is optional; see README "Configuration" for the list.
Errors name the key and the file, never a traceback.
"""

from __future__ import annotations

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


class ConfigError(ValueError):
    """Invalid configuration; the message names the key and the file."""


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
    receipt_printer: str | None = None  # the printer the print dialog offers first
    central_dsn: str | None = None
    # The central password never sits in this file: a file of its own (owner-only), or the keyring.
    central_password_file: Path | None = None
    central_sslmode: str | None = None
    central_sslrootcert: str | None = None
    sync_interval_seconds: int = 60
    language: str = "ar"
    idle_lock_minutes: int = 5
    policy: Policy = field(default_factory=default_policy)

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


def default_config_file() -> Path:
    env = os.environ.get("TAWASUL_CONFIG")
    return Path(env) if env else Path(_dirs.user_config_dir) / "config.toml"


def _section(raw: dict[str, Any], name: str, source: Path) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    return value


def _typed(table: dict[str, Any], key: str, kind: type, source: Path, section: str) -> Any:
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
    named_must_exist: bool = False,
) -> Settings:
    """Read the configuration file (if any), then environment, then explicit arguments.

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
    raw: dict[str, Any] = {}
    if source.exists():
        try:
            with source.open("rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{source}: cannot be read ({exc.strerror})") from None

    centre = _section(raw, "centre", source)
    storage = _section(raw, "storage", source)
    receipt = _section(raw, "receipt", source)
    central = _section(raw, "central", source)
    ui = _section(raw, "ui", source)

    centre_code = _check_centre(
        os.environ.get("TAWASUL_CENTRE") or _typed(centre, "code", str, source, "centre") or "101",
        "TAWASUL_CENTRE" if os.environ.get("TAWASUL_CENTRE") else f"{source}: centre.code",
    )
    counter = _check_counter(
        os.environ.get("TAWASUL_COUNTER") or centre.get("counter", 1),
        "TAWASUL_COUNTER" if os.environ.get("TAWASUL_COUNTER") else f"{source}: centre.counter",
    )

    resolved_data = Path(
        data_dir
        or os.environ.get("TAWASUL_DATA_DIR")
        or _typed(storage, "data_dir", str, source, "storage")
        or _dirs.user_data_dir
    ).expanduser()
    resolved_db = Path(
        db
        or os.environ.get("TAWASUL_DB")
        or _typed(storage, "db", str, source, "storage")
        or resolved_data / "tawasul.sqlite3"
    ).expanduser()

    receipt_format = _typed(receipt, "format", str, source, "receipt") or "a5"
    if receipt_format not in ("a5", "a4", "roll80"):
        raise ConfigError(
            f"{source}: receipt.format must be a5, a4 or roll80, not {receipt_format!r}"
        )
    language = _typed(ui, "language", str, source, "ui") or "ar"
    if language not in ("ar", "en"):
        raise ConfigError(f"{source}: ui.language must be ar or en, not {language!r}")

    policy = default_policy()
    overrides = raw.get("policy", {})
    if overrides:
        if not isinstance(overrides, dict):
            raise ConfigError(f"{source}: [policy] must be a table")
        try:
            policy = policy.with_overrides(overrides, str(source))
        except PolicyError as exc:
            raise ConfigError(str(exc)) from None

    central_dsn = _typed(central, "dsn", str, source, "central")
    if central_dsn and _dsn_has_password(central_dsn):
        raise ConfigError(f"{source}: central.dsn must not hold a password; "
                          "put it in the file named by central.password_file")
    sslmode = _typed(central, "sslmode", str, source, "central")
    if sslmode is not None and sslmode not in _SSLMODES:
        raise ConfigError(f"{source}: central.sslmode must be one of {', '.join(_SSLMODES)}")
    password_file = _typed(central, "password_file", str, source, "central")
    interval = _typed(central, "sync_interval_seconds", int, source, "central")
    if interval is not None and interval < 5:
        raise ConfigError(f"{source}: central.sync_interval_seconds must be at least 5")

    defaults = Settings(config_file=source, data_dir=resolved_data, db_path=resolved_db)
    return Settings(
        config_file=source,
        data_dir=resolved_data,
        db_path=resolved_db,
        centre_code=centre_code,
        counter=counter,
        centre_name_ar=_typed(centre, "name_ar", str, source, "centre") or defaults.centre_name_ar,
        centre_name_en=_typed(centre, "name_en", str, source, "centre") or defaults.centre_name_en,
        directorate_ar=_typed(centre, "directorate_ar", str, source, "centre")
        or defaults.directorate_ar,
        directorate_en=_typed(centre, "directorate_en", str, source, "centre")
        or defaults.directorate_en,
        receipt_format=receipt_format,
        receipt_font=_typed(receipt, "font", str, source, "receipt"),
        receipt_printer=_typed(receipt, "printer", str, source, "receipt") or None,
        central_dsn=os.environ.get("TAWASUL_CENTRAL_DSN") or central_dsn,
        central_password_file=Path(password_file).expanduser() if password_file else None,
        central_sslmode=sslmode,
        central_sslrootcert=_typed(central, "sslrootcert", str, source, "central"),
        sync_interval_seconds=interval or 60,
        language=language,
        idle_lock_minutes=_typed(ui, "idle_lock_minutes", int, source, "ui") or 5,
        policy=policy,
    )
