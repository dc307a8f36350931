"""central: a file's arrival locks the requests it clears in the order of their ids

Revision ID: c0013
Revises: c0012
Create Date: 2026-12-04 02:30:00.000000

A file's arrival clears "attachments pending" on every request holding it, whoever's
(``tawasul_blob_arrived``, c0007/c0009). Its UPDATE locked those rows in whatever order its
plan met them, while the desk the requests belong to may be pushing a batch that locks some of
them too (a follow-up's count, an event): with a file two desks' requests share, the upload
held one row and waited for the next, the push held that one and waited for the first, and
PostgreSQL ended one of them ("deadlock detected"; a `tawasul sync --once` exited 1).

Every writer of several requests now locks them in the order of their ids (the push, the
closures, and here the arrival: the rows are locked first, sorted, then changed), so no two
wait on each other in a circle. Expand only: ``serves_desks_from`` stays c0006.
"""

from alembic import op

from tawasul_desktop.central.migrations.script_helpers import run_sql

revision = 'c0013'
down_revision = 'c0012'
branch_labels = None
depends_on = None

UPGRADE = """
CREATE OR REPLACE FUNCTION tawasul_blob_arrived() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    WITH held AS MATERIALIZED (
        SELECT r.id FROM requests r
        WHERE r.attachments_pending
          AND r.id IN (SELECT a.request_id FROM arrived n
                       JOIN request_attachments a ON a.sha256 = n.sha256)
        ORDER BY r.id FOR NO KEY UPDATE)
    UPDATE requests r SET attachments_pending = false
    FROM held
    WHERE r.id = held.id AND r.attachments_pending
      AND NOT EXISTS (SELECT 1 FROM request_attachments a
                      WHERE a.request_id = r.id
                        AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256));
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    row = op.get_bind().exec_driver_sql("SELECT current_schema()").fetchone()
    assert row is not None
    run_sql(UPGRADE.replace("{schema}", f'"{row[0]}"'))


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
