"""Rolling upgrades: a desk syncs with any central that still serves its revision, so desks
need not all be updated at the moment `tawasul central upgrade` runs."""

from __future__ import annotations

from synchelp import CLERK, submit_many

from tawasul_desktop.sync import admin


def _set_revision(central, revision: str, served_from: str | None) -> None:
    with central.admin() as conn:
        conn.execute("UPDATE tawasul_central_version SET version_num = %s", (revision,))
        conn.execute("DELETE FROM central_settings WHERE key = %s", (admin.SERVES_DESKS_FROM,))
        if served_from is not None:
            conn.execute("INSERT INTO central_settings (key, value) VALUES (%s, %s)",
                         (admin.SERVES_DESKS_FROM, served_from))


def test_a_desk_accepts_a_newer_central_that_still_serves_it(desks, central, valid_request):
    desk = desks()
    head = admin.central_head()
    with central.admin() as conn:
        served = conn.execute("SELECT value FROM central_settings WHERE key = %s",
                              (admin.SERVES_DESKS_FROM,)).fetchone()
    submit_many(desk.store, CLERK, [valid_request()])
    try:
        _set_revision(central, "c9999", head)  # a newer central: expand-only since this desk
        assert desk.sync().pushed == 1
        submit_many(desk.store, CLERK, [valid_request()])
        _set_revision(central, "c9999", "c9998")  # … which has since dropped this desk's calls
        report = desk.engine.run_once()
        assert not report.ok and "c9999" in report.error and "update this desk" in report.error
        assert desk.engine.status().pending == 3  # the request and its two files, kept
    finally:
        _set_revision(central, head, served[0] if served else None)
    assert desk.sync().pushed == 1


def test_a_desk_refuses_a_central_older_than_it_needs():
    lineage = admin._lineage()
    assert admin.compatibility_problem(admin.central_head(), None) is None
    assert admin.compatibility_problem(admin.OLDEST_CENTRAL, None) is None
    older = lineage[lineage.index(admin.OLDEST_CENTRAL) + 1]
    problem = admin.compatibility_problem(older, None)
    assert problem is not None and "central upgrade" in problem and older in problem
