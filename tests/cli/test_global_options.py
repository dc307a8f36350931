"""Global options mean the same before or after the command (``tawasul --db X request list``
and ``tawasul request list --db X``): the subcommands used to re-declare them with defaults,
silently replacing what was given before the command."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

PLACES = ("before", "after")


def _args(place: str, options: list[str], command: list[str]) -> list[str]:
    return [*options, *command] if place == "before" else [*command, *options]


def _tables(path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.mark.parametrize("place", PLACES)
def test_db_option(tawasul, tmp_path, place):
    other = tmp_path / f"other-{place}.sqlite3"
    ran = tawasul(*_args(place, ["--db", str(other)], ["db", "upgrade", "--json"]))
    assert ran.code == 0, ran.err
    assert ran.data["db"] == str(other)
    assert "requests" in _tables(other)


@pytest.mark.parametrize("place", PLACES)
def test_db_option_on_a_nested_command(tawasul, tmp_path, place):
    other = tmp_path / f"nested-{place}.sqlite3"
    ran = tawasul(*_args(place, ["--db", str(other)], ["request", "list"]))
    assert ran.code == 0, ran.err
    assert other.exists()


@pytest.mark.parametrize("place", PLACES)
def test_json_option(tawasul, place):
    ran = tawasul(*_args(place, ["--json"], ["request", "list"]))
    assert ran.code == 0, ran.err
    assert ran.data == []


@pytest.mark.parametrize("place", PLACES)
def test_data_dir_option(tawasul, tmp_path, place):
    folder = tmp_path / f"data-{place}"
    # Without a database named elsewhere, the database lives in the data folder.
    ran = tawasul(
        *_args(place, ["--data-dir", str(folder)], ["db", "upgrade", "--json"]),
        env={"TAWASUL_DB": ""},
    )
    assert ran.code == 0, ran.err
    assert ran.data["db"] == str(folder / "tawasul.sqlite3")


@pytest.mark.parametrize("place", PLACES)
def test_config_option(tawasul, tmp_path, place):
    config = tmp_path / f"config-{place}.toml"
    db = tmp_path / f"from-config-{place}.sqlite3"
    config.write_text(f'[storage]\ndb = "{db}"\n', encoding="utf-8")
    ran = tawasul(
        *_args(place, ["--config", str(config)], ["db", "upgrade", "--json"]),
        env={"TAWASUL_DB": ""},
    )
    assert ran.code == 0, ran.err
    assert ran.data["db"] == str(db)


def test_the_option_after_the_command_wins(tawasul, tmp_path):
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    ran = tawasul("--db", str(first), "db", "upgrade", "--db", str(second), "--json")
    assert ran.code == 0, ran.err
    assert ran.data["db"] == str(second)
    assert not first.exists()


@pytest.mark.parametrize("place", PLACES)
def test_sync_commands_take_them_too(tawasul, tmp_path, place):
    other = tmp_path / f"sync-{place}.sqlite3"
    ran = tawasul(*_args(place, ["--db", str(other), "--json"], ["sync", "status"]))
    # No central is configured: a clear error, but about the database named here.
    assert "Traceback" not in ran.err
    assert other.exists()
