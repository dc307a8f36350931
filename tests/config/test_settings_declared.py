"""Issue 17 §3: each setting is declared once; the loader, writer, set-up and CLI read it."""

from __future__ import annotations

import dataclasses

import pytest

from tawasul_desktop import config
from tawasul_desktop.config import SETTINGS, ConfigError, Settings, load_settings, setting


def test_every_settings_field_is_declared_with_help():
    undeclared = {"config_file", "policy", "site_config_file", "warnings"}
    fields = {f.name for f in dataclasses.fields(Settings)} - undeclared
    assert fields == {s.attr for s in SETTINGS}
    assert all(s.help for s in SETTINGS)
    for spec in SETTINGS:  # the dataclass default is the declared one
        default = next(f.default for f in dataclasses.fields(Settings) if f.name == spec.attr)
        if not spec.special:
            assert default == spec.default, spec.name


def test_defaults_and_choices_come_from_the_declaration(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text("[central]\nsslmode = 'sometimes'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert "central.sslmode must be disable, allow, prefer, require, verify-ca or " \
           "verify-full, not 'sometimes'" in str(raised.value)
    monkeypatch.setattr(config, "SETTINGS", tuple(
        dataclasses.replace(s, default=90) if s.name == "central.sync_interval_seconds" else s
        for s in SETTINGS))
    assert load_settings(tmp_path / "absent.toml").sync_interval_seconds == 90


def test_receipt_formats_are_listed_once():
    from tawasul_desktop.cli.main import build_parser
    from tawasul_desktop.receipts.layout import FORMATS

    formats = setting("receipt", "format").choices
    assert tuple(FORMATS) == formats
    receipt = next(a for a in build_parser()._subparsers._group_actions[0].choices.values()
                   if a.prog.endswith(" receipt"))
    assert tuple(next(a for a in receipt._actions if a.dest == "format").choices) == formats


def test_the_writer_refuses_an_undeclared_key(tmp_path):
    from tawasul_desktop.config_writer import update_config_file

    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match="receipt.colour is not a setting"):
        update_config_file(path, {"receipt": {"colour": "red"}})
    assert not path.exists()
