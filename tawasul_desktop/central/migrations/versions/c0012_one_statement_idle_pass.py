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
desk revision it serves, the centre and counter it acts for (none: the key did not match or
the login is disabled) and whether that login is bound to this desk store, and runs the pull.
So an idle desk needs no periodic full check (who it is, its binding): every idle pass makes
it, and anything amiss sends the desk to the full check, which says what. Nothing it sets
outlives its transaction, so a desk may send it through PgBouncer in transaction mode over a
connection it holds between passes: no login and no reset per pass. Such a server connection
keeps what its last client left in the session, so the function names every type and operator
with its schema and runs whatever the caller queued for the commit before it names the counter
(an attacker's review found a temporary domain with a deferred trigger that kept the next
desk's key: tests/sync/test_attack_idle.py). A desk with work to do
goes on as before (its session names the counter for the session).

``tawasul_pull()`` finds the caller once, as row security does, and reads the three parts of
the feed that row security admits to it (SECURITY DEFINER: the policy was applied again in each
partition's scan, and the caller looked up three times more); it answers the centre and
counter it acted for too. A desk's idle pull cost about 0.37 ms of server CPU, 0.29 ms now.
"""

from alembic import op

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0012'
down_revision = 'c0011'
branch_labels = None
depends_on = None

UPGRADE = """
-- The month floors are no one's data: the pull reads them itself instead of through a
-- SECURITY DEFINER function (a call of its own, about 50 us).
GRANT SELECT ON feed_floors TO {counter};

-- Three more columns: who it acted for and the desk store its login is bound to (the desk's
-- pass checks them). A desk of c0011 names the columns it reads, so it reads the same.
-- SECURITY DEFINER: it finds who is asking once, as row security would (the login, or the
-- counter the shared login names with its key), and reads exactly the three parts of the
-- feed that changes_counter admits to that counter. Under row security each of the 15 or so
-- partition scans carried the policy, and the caller was looked up three times more. The
-- login is session_user here (current_user is the owner): after SET ROLE to the counters'
-- group a counter still reads only its own feed.
DROP FUNCTION tawasul_pull(xid8, bigint, integer);
CREATE FUNCTION tawasul_pull(after_xid xid8, after_id bigint, lim integer)
    RETURNS TABLE (horizon text, now timestamptz, xid xid8, id bigint, xid_text text,
                   kind varchar, entity_id text, payload jsonb, centre text, counter integer,
                   desk_id uuid)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
    -- One plan for every caller and cursor. At national volume the planner judged a plan for
    -- the values at hand cheaper, and planned the pull anew at every call (0.6 ms of 0.9).
    -- The plan made once still prunes the months before the cursor's floor when it runs.
    SET plan_cache_mode = force_generic_plan AS $fn$
#variable_conflict use_column
DECLARE
    since timestamptz := coalesce(
        (SELECT (max(month) + interval '1 month')::timestamp AT TIME ZONE 'UTC'
         FROM feed_floors WHERE below <= after_xid), '-infinity');
    my_centre varchar;
    my_counter integer;
    my_desk uuid;
BEGIN
    -- Who is asking, once: what tawasul_centre() and tawasul_counter() answer a counter.
    SELECT c.centre, c.counter, c.desk_id INTO my_centre, my_counter, my_desk
      FROM counters c WHERE c.role_name = tawasul_caller(session_user) AND c.kind = 'counter';
    RETURN QUERY
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text, clock_timestamp(),
           f.xid, f.id, f.xid::text, f.kind, f.entity_id, f.payload,
           my_centre::text, my_counter, my_desk
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
REVOKE ALL ON FUNCTION tawasul_pull(xid8, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tawasul_pull(xid8, bigint, integer) TO {counter};

-- A desk's idle pass. desk_role NULL: the caller's own login acts (a counter's own role).
-- VOLATILE for set_config; the pull inside still reads from one snapshot (its statement's).
CREATE FUNCTION tawasul_desk_pass(desk_role text, desk_key text, desk uuid, after_xid xid8,
                                  after_id bigint, lim integer)
    RETURNS TABLE (revision text, serves_from text, centre text, counter integer,
                   bound boolean, horizon text, now timestamptz, id bigint, xid_text text,
                   kind varchar, entity_id text, payload text)
    LANGUAGE plpgsql VOLATILE AS $fn$
-- No search path of its own (setting one costs each call): every name is qualified, types and
-- operators too. A server connection PgBouncer lends in transaction mode keeps what the last
-- client left in its session (its search path, temporary types first in it).
BEGIN
    IF desk_role IS NOT NULL THEN
        -- Whatever the caller's statement queued for its commit (a deferred trigger, say from
        -- a temporary domain's check) runs now, before the counter is named: nothing of the
        -- caller's runs as it.
        SET CONSTRAINTS ALL IMMEDIATE;
        -- For this transaction only: a pooled connection lent on carries nothing of it.
        PERFORM pg_catalog.set_config('tawasul.desk_role', desk_role, true),
                pg_catalog.set_config('tawasul.desk_key', coalesce(desk_key, ''), true);
    END IF;
    RETURN QUERY
    SELECT (SELECT v.version_num::pg_catalog.text FROM {schema}.tawasul_central_version v),
           (SELECT s.value::pg_catalog.text FROM {schema}.central_settings s
            WHERE s.key OPERATOR(pg_catalog.=) 'serves_desks_from'),
           p.centre, p.counter, coalesce(p.desk_id OPERATOR(pg_catalog.=) desk, false),
           p.horizon, p.now, p.id, p.xid_text, p.kind, p.entity_id,
           p.payload::pg_catalog.text
    FROM {schema}.tawasul_pull(after_xid, after_id, lim) p;
END $fn$;
REVOKE ALL ON FUNCTION tawasul_desk_pass(text, text, uuid, xid8, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tawasul_desk_pass(text, text, uuid, xid8, bigint, integer)
    TO {counter};
"""


def upgrade() -> None:
    prefix = role_prefix()
    row = op.get_bind().exec_driver_sql("SELECT current_schema()").fetchone()
    assert row is not None
    run_sql(UPGRADE.format(schema=f'"{row[0]}"', counter=f'"{prefix}_counter"'))


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
