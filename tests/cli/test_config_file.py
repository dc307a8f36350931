"""A configuration file the operator named (--config, $TAWASUL_CONFIG) must exist: its defaults
(centre 101, counter 1) would give numbers that collide with the real desk 101-01's."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_named_configuration_file_that_does_not_exist_is_an_error(tawasul, tmp_path, how):
    missing = tmp_path / "typo" / "config.toml"
    db = tmp_path / "never.sqlite3"
    if how == "option":
        ran = tawasul("request", "list", "--config", missing, "--db", db)
    else:
        ran = tawasul("request", "list", "--db", db, env={"TAWASUL_CONFIG": str(missing)})
    assert ran.code == 1
    assert str(missing) in ran.err and "not found" in ran.err
    assert "Traceback" not in ran.err
    assert not db.exists()  # nothing was done with the defaults


def test_an_existing_configuration_file_is_used(tawasul, tmp_path):
    config = tmp_path / "desk.toml"
    config.write_text('[centre]\ncode = "204"\ncounter = 7\n', encoding="utf-8")
    ran = tawasul("request", "list", "--config", config, "--json")
    assert ran.code == 0, ran.err


def test_without_a_named_file_the_platform_default_may_be_absent(tawasul, tmp_path):
    ran = tawasul(
        "request", "list", "--json",
        env={"TAWASUL_CONFIG": "", "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
    )
    assert ran.code == 0, ran.err
