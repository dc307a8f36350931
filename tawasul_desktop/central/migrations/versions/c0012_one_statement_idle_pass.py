"""central: an idle desk's pass is one statement, and may run over a held pooled connection

Revision ID: c0012
Revises: c0011
Create Date: 2026-12-04 02:00:00.000000

Nearly every pass of a desk finds nothing to send or receive. Through the shared login it was
a PgBouncer session (a SCRAM login, about 6 ms of PgBouncer's CPU and 4 ms of the desk's), the
pooler's reset, then three statements: naming the counter, the compatibility check, the pull.
Each statement costs the server about 50 us before it does anything, and the pull looked the
caller up three times (once per part of the feed, each time checking the desk key).

``tawasul_desk_pass()`` is all of it in one statement and one transaction: it names the counter
for that transaction only (``set_config(..., true)``), answers central's revision, the oldest
desk revision it serves and the centre and counter it acts for (none: the key did not match or
the login is disabled), and runs the pull. Nothing it sets outlives its transaction, so a desk
may send it through PgBouncer in transaction mode over a connection it holds between passes: no
login and no reset per pass. A desk with work to do goes on as before (its session names the
counter for the session).

``tawasul_pull()`` finds the caller's centre and counter once, in one look-up, instead of in
each part of the feed; row security on ``changes`` still checks every row it returns.
"""

from alembic import op

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0012'
down_revision = 'c0011'
branch_labels = None
depends_on = None

UPGRADE = """
CREATE OR REPLACE FUNCTION tawasul_pull(after_xid xid8, after_id bigint, lim integer)
    RETURNS TABLE (horizon text, now timestamptz, xid xid8, id bigint, xid_text text,
                   kind varchar, entity_id text, payload jsonb)
    LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    since timestamptz := coalesce(tawasul_feed_since(after_xid), '-infinity');
    my_centre varchar;
    my_counter integer;
BEGIN
    -- Who is asking, once: what tawasul_centre() and tawasul_counter() answer.
    SELECT c.centre, CASE WHEN c.kind = 'counter' THEN c.counter END
      INTO my_centre, my_counter
      FROM counters c WHERE c.role_name = tawasul_caller(current_user);
    RETURN QUERY
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text, clock_timestamp(),
           f.xid, f.id, f.xid::text, f.kind, f.entity_id, f.payload
    FROM (SELECT 1) AS one LEFT JOIN (
        SELECT f.xid, f.id, f.kind, f.entity_id, f.payload FROM (
            (SELECT * FROM changes WHERE centre IS NULL AND counter IS NULL
                AND my_centre IS NOT NULL
                AND (xid, id) > (after_xid, after_id) AND at >= since
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY xid, id LIMIT lim)
            UNION ALL
            (SELECT * FROM changes WHERE centre = my_centre AND counter IS NULL
                AND (xid, id) > (after_xid, after_id) AND at >= since
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY xid, id LIMIT lim)
            UNION ALL
            (SELECT * FROM changes WHERE centre = my_centre AND counter = my_counter
                AND (xid, id) > (after_xid, after_id) AND at >= since
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY xid, id LIMIT lim)
        ) f ORDER BY f.xid, f.id LIMIT lim
    ) AS f ON true
    ORDER BY f.xid, f.id;
END $fn$;

-- A desk's idle pass. desk_role NULL: the caller's own login acts (a counter's own role).
-- VOLATILE for set_config; the pull inside still reads from one snapshot (its statement's).
CREATE FUNCTION tawasul_desk_pass(desk_role text, desk_key text, after_xid xid8,
                                  after_id bigint, lim integer)
    RETURNS TABLE (revision text, serves_from text, centre text, counter integer,
                   horizon text, now timestamptz, id bigint, xid_text text, kind varchar,
                   entity_id text, payload text)
    LANGUAGE plpgsql VOLATILE SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    IF desk_role IS NOT NULL THEN
        -- For this transaction only: a pooled connection lent on carries nothing of it.
        PERFORM set_config('tawasul.desk_role', desk_role, true),
                set_config('tawasul.desk_key', coalesce(desk_key, ''), true);
    END IF;
    RETURN QUERY
    SELECT (SELECT v.version_num::text FROM tawasul_central_version v),
           (SELECT s.value::text FROM central_settings s WHERE s.key = 'serves_desks_from'),
           me.centre::text, me.counter,
           p.horizon, p.now, p.id, p.xid_text, p.kind, p.entity_id, p.payload::text
    FROM tawasul_pull(after_xid, after_id, lim) p
    LEFT JOIN (SELECT c.centre, c.counter FROM counters c
               WHERE c.role_name = tawasul_caller(current_user) AND c.kind = 'counter') me
        ON true;
END $fn$;
REVOKE ALL ON FUNCTION tawasul_desk_pass(text, text, xid8, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tawasul_desk_pass(text, text, xid8, bigint, integer) TO {counter};
"""


def upgrade() -> None:
    prefix = role_prefix()
    row = op.get_bind().exec_driver_sql("SELECT current_schema()").fetchone()
    assert row is not None
    run_sql(UPGRADE.format(schema=f'"{row[0]}"', counter=f'"{prefix}_counter"'))


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
