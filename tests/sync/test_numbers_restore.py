"""Central knows each counter's numbers: `tawasul restore` of an older backup on a PC whose
data folder (and high-water mark) was lost continues above the highest number central holds.
Real PostgreSQL through the counter's own login role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from synchelp import CLERK, CentralDb, create_central_db, drop_central_db, open_desk, server_or_skip

from tawasul_desktop.cli.identity import os_account
from tawasul_desktop.cli.main import main
from tawasul_desktop.config import load_settings
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.backup import backup_database
from tawasul_desktop.storage.high_water import FILE_NAME
from tawasul_desktop.storage.os_accounts import map_account
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, add_user

PASSWORD = "restore password 1"


@pytest.fixture(scope="module")
def central() -> Iterator[CentralDb]:
    server_or_skip()
    db = create_central_db()
    try:
        yield db
    finally:
        drop_central_db(db)


def _restore(config: Path, backup: Path) -> int:
    read_end, write_end = os.pipe()
    os.write(write_end, PASSWORD.encode() + b"\n")
    os.close(write_end)
    try:
        return main(["restore", str(backup), "--config", str(config),
                     "--password-fd", str(read_end)])
    finally:
        os.close(read_end)


def test_restore_continues_above_what_central_holds(central, tmp_path, valid_request, clean_env):
    desk = open_desk(tmp_path, central, counter=7)
    settings = desk.store.settings
    try:
        with desk.store.write() as session:
            add_user(session, Actor("setup", "admin"), "desk.admin", "admin", PASSWORD,
                     desk.store.policy.security)
            map_account(session, Actor("setup", "admin"), os_account(), "desk.admin")
        ops.submit_request(desk.store, CLERK, valid_request())
        backup = tmp_path / "old.sqlite3"
        backup_database(settings.db_path, backup)
        later = [ops.submit_request(desk.store, CLERK, valid_request()).number for _ in range(2)]
        desk.sync()  # central now holds sequences 1..3 of counter 7
    finally:
        desk.close()

    # The PC is replaced: the data folder, and the high-water mark with it, is gone.
    (settings.data_dir / FILE_NAME).unlink()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[centre]\ncode = "101"\ncounter = 7\n\n[storage]\ndata_dir = "{settings.data_dir}"\n'
        f'db = "{settings.db_path}"\n\n[central]\ndsn = "{settings.central_dsn}"\n'
        'sslmode = "disable"\n', encoding="utf-8")
    assert _restore(config, backup) == 0

    with Store.open(load_settings(config)) as store:
        number = ops.submit_request(store, CLERK, valid_request()).number
    assert parse_number(number).sequence == 4
    assert number not in later
