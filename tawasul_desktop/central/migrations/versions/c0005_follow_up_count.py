"""central follow-up count: a column kept by a trigger on follow_ups, indexed for the queue

Revision ID: c0005
Revises: c0004
Create Date: 2026-11-25 16:00:00.000000

As the desk's migration 0005: sorting the queue by follow-ups counted them for every row
(0.9 s at a million). The trigger runs with the owner's rights (counters insert follow-ups
but may not update this column) and changes no lifecycle column, so it writes nothing to
the change feed.
"""

from tawasul_desktop.central.migrations.script_helpers import run_sql

revision = 'c0005'
down_revision = 'c0004'
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE requests ADD COLUMN follow_up_count integer NOT NULL DEFAULT 0;
UPDATE requests r SET follow_up_count = f.n
    FROM (SELECT request_id, count(*) AS n FROM follow_ups GROUP BY request_id) f
    WHERE f.request_id = r.id;

CREATE FUNCTION tawasul_follow_up_counted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE requests SET follow_up_count = follow_up_count + 1 WHERE id = NEW.request_id;
    ELSE
        UPDATE requests SET follow_up_count = follow_up_count - 1 WHERE id = OLD.request_id;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION tawasul_follow_up_counted() FROM PUBLIC;
CREATE TRIGGER follow_ups_counted AFTER INSERT OR DELETE ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION tawasul_follow_up_counted();

CREATE INDEX requests_queue_follow_ups ON requests (centre, follow_up_count, number);
"""


def upgrade() -> None:
    run_sql(UPGRADE)


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
