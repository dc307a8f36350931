"""Two desks set up as the same counter: the counter's login belongs to the first desk store
that synced; another is refused before it sends anything, with both desks named. Requests
already refused for a taken number get fresh ones from `tawasul sync renumber`."""

from __future__ import annotations

import dataclasses

from synchelp import CLERK, Desk, submit_many
from timing_data import follow_up_open_after_now

from tawasul_desktop.central import admin
from tawasul_desktop.central.connection import target_from_settings
from tawasul_desktop.config import load_settings
from tawasul_desktop.receipts.for_request import receipt_data_for
from tawasul_desktop.storage import requests as ops
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor
from tawasul_desktop.sync.engine import SyncEngine
from tawasul_desktop.sync.renumber import renumber_taken

ADMIN = Actor("desk.admin", "admin", "Desk Admin")


def same_counter_elsewhere(root, central, first: Desk) -> Desk:
    """A second desk store configured with the first one's centre, counter and login."""
    settings = load_settings(config_file=root / "none.toml", db=root / "other.sqlite3",
                             data_dir=root / "other-data")
    settings = dataclasses.replace(settings, centre_code="101", counter=1,
                                   central_dsn=central.dsn(first.role))
    store = Store.open(settings)
    return Desk(store, SyncEngine(store, target_from_settings(settings)), first.role)


def test_a_second_desk_as_the_same_counter_is_refused_naming_both(tmp_path, desks, central,
                                                                  valid_request):
    first = desks()
    (number,) = submit_many(first.store, CLERK, [valid_request()])
    first.sync()
    second = same_counter_elsewhere(tmp_path, central, first)
    try:
        (again,) = submit_many(second.store, CLERK, [valid_request()])
        assert again == number  # the same counter hands out the same numbers
        report = second.engine.run_once()
        assert not report.ok and report.pushed == 0
        for text in (str(first.store.settings.db_path), str(second.store.settings.db_path),
                     "مربوط بجهاز آخر", "bound to another desk", "release-desk 101 1"):
            assert text in report.error
        assert second.engine.status().pending == 3  # kept, nothing sent
        assert central.scalar("SELECT count(*) FROM ops") == 1
        assert central.scalar("SELECT desk_label FROM counters WHERE role_name = %s",
                              first.role).endswith(str(first.store.settings.db_path))
        submit_many(first.store, CLERK, [valid_request()])
        assert first.sync().pushed == 1  # the bound desk carries on
    finally:
        second.close()


def test_requests_refused_for_a_taken_number_are_renumbered(tmp_path, desks, central,
                                                            valid_request):
    first = desks()
    (number,) = submit_many(first.store, CLERK, [valid_request()])
    first.sync()
    with central.admin() as conn:  # the administrator hands the login to the other desk
        admin.release_desk(conn, "101", 1)
    second = same_counter_elsewhere(tmp_path, central, first)
    try:
        (taken, fresh) = submit_many(second.store, CLERK, [valid_request(), valid_request()])
        assert taken == number
        taken_id = ops.get_request(second.store, taken).id
        ops.record_follow_up(second.store, CLERK, taken, "اتصل",
                             now=follow_up_open_after_now())
        report = second.engine.run_once()
        assert sorted(r.code for r in report.refused) == ["sync.number_taken",
                                                          "sync.request_unknown"]
        # Kept centrally as conflicts the supervisors see; `sync retry` does not resend it.
        assert central.scalar("SELECT count(*) FROM conflicts WHERE problem->>'code' = "
                              "'sync.number_taken'") == 1
        second.engine.requeue()
        second.engine.run_once()
        assert [r.code for r in second.engine.refused()].count("sync.number_taken") == 1

        done = renumber_taken(second.store, second.engine.connect(), ADMIN)
        assert [(r.old, r.request_id) for r in done] == [(taken, taken_id)]
        new = done[0].new
        assert new not in (number, fresh) and new[:7] == number[:7]
        report = second.sync()
        assert report.pushed == 2 and not report.refused and report.pending_after == 0
        assert central.scalar("SELECT number FROM requests WHERE id = %s", taken_id) == new
        assert central.scalar("SELECT count(*) FROM follow_ups WHERE request_id = %s",
                              taken_id) == 1
        assert ops.get_request(second.store, new).id == taken_id
        # The audit log and a reprinted receipt keep the number the applicant holds.
        req = ops.get_request(second.store, new)
        receipt = receipt_data_for(second.store, req, copy=True)
        assert receipt.former_numbers == (ops.display_number(taken),)
        assert central.scalar("SELECT count(*) FROM audit_entries WHERE action = "
                              "'request.renumber' AND old = %s", f'"{taken}"') == 1
        # The next request of this desk takes a number free centrally, too.
        (later,) = submit_many(second.store, CLERK, [valid_request()])
        assert later > new and second.sync().pushed == 1
    finally:
        second.close()
