"""Compare the desk's audit log with the copy it pushed to central (``audit_entries``).

Central keeps every entry the desk sent, under the desk's store id; its row security lets
the counter's login read only its own. An entry sent and since deleted here, or changed here
(even with the chain and keyed hashes recomputed by someone holding the key file), shows as a
difference. A restore of an older backup shows the same way: the entries it dropped are
central's and no longer the desk's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import select

from tawasul_desktop.central.connection import (
    CentralConfigError,
    CentralTarget,
    target_from_settings,
)
from tawasul_desktop.storage.audit import AuditBreak, AuditCheck
from tawasul_desktop.storage.models import AuditEntry, SyncState
from tawasul_desktop.storage.store import Store

MAX_BREAKS = 50


def _local(store: Store, up_to: int, batch: int = 5000) -> Iterator[tuple[int, str]]:
    last = 0
    while True:
        with store.read() as session:
            rows = session.execute(
                select(AuditEntry.seq, AuditEntry.hash)
                .where(AuditEntry.seq > last, AuditEntry.seq <= up_to)
                .order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            return
        yield from ((int(seq), str(digest)) for seq, digest in rows)
        last = rows[-1][0]


def _central(conn: Any, store_id: str) -> Iterator[tuple[int, set[str]]]:
    """(seq, hashes) in order; a seq may hold several hashes after a restore."""
    with conn.cursor(name="tawasul_audit_compare") as cur:
        cur.execute("SELECT seq, hash FROM audit_entries WHERE store_id = %s ORDER BY seq",
                    (store_id,))
        current: tuple[int, set[str]] | None = None
        for seq, digest in cur:
            if current is not None and current[0] == seq:
                current[1].add(digest)
                continue
            if current is not None:
                yield current
            current = (int(seq), {str(digest)})
        if current is not None:
            yield current


def compare_with_central(store: Store, target: CentralTarget | None = None
                         ) -> tuple[int, list[AuditBreak]]:
    """(entries compared, differences). Raises the driver's error if central is unreachable."""
    with store.read() as session:
        state = session.get(SyncState, 1)
        if state is None or not state.audit_sent_seq:
            return 0, []
        store_id, sent = str(state.store_id), int(state.audit_sent_seq)
    breaks: list[AuditBreak] = []
    compared = 0
    with (target or target_from_settings(store.settings)).connect() as conn:
        local = _local(store, sent)
        here = next(local, None)
        missing_from: int | None = None
        missing_to = missing = 0
        for seq, hashes in _central(conn, store_id):
            while here is not None and here[0] < seq:
                here = next(local, None)  # not at central (yet): nothing to compare
            if here is not None and here[0] == seq:
                compared += 1
                if here[1] not in hashes and len(breaks) < MAX_BREAKS:
                    breaks.append(AuditBreak(seq, "differs from the copy this desk sent to "
                                             "central (changed here, or an older backup "
                                             "was restored)"))
                continue
            if missing_from is None:
                missing_from = seq
            missing_to, missing = seq, missing + 1
        if missing_from is not None:
            breaks.append(AuditBreak(missing_from, f"{missing} entries between {missing_from} "
                                     f"and {missing_to} were sent to central and are missing "
                                     "here (deleted, or an older backup was restored)"))
        conn.rollback()
    return compared, breaks


def central_comparison(store: Store, check: AuditCheck) -> None:
    """Add central's comparison to ``check`` when central is configured and reachable; say
    why not otherwise (the local checks stand on their own)."""
    if not store.settings.central_dsn:
        check.central_note = "central: not configured, so not compared"
        return
    try:
        compared, breaks = compare_with_central(store)
    except (CentralConfigError, psycopg.Error, OSError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        check.central_note = f"central: not reachable ({reason}), so not compared"
        return
    check.central_compared = compared
    check.breaks.extend(breaks)
    check.central_note = f"central: {compared} entries compared with the copy sent there"
