"""central: desks may share one pooled login and still act only as their own counter

Revision ID: c0011
Revises: c0010
Create Date: 2026-12-03 23:00:00.000000

PgBouncer keeps one pool per login role. With every counter on a login of its own, a pass
seldom finds a warm server connection of its role, and each pass pays for a new backend (about
19 ms of server CPU at 2,000 desks, against 0.8 ms of statements). Desks may instead log in as
one shared role, ``<prefix>_desks``, through PgBouncer in session mode. It holds the counters'
group privileges, and names the counter it acts for in ``tawasul.desk_role``; a setting
anybody may write, so it counts only with that counter's desk key (``tawasul.desk_key``),
whose SHA-256 is in ``desk_keys`` (readable by its owner only). The login role stays the same
for every counter (no ``SET ROLE``), so a plan made under row security on a pooled server
connection serves the next counter too.

Who a statement acts for was read from ``current_user`` (``session_user`` inside SECURITY
DEFINER functions). Every such read now goes through ``tawasul_caller(fallback)``: for any
login but the shared one it is exactly the fallback, as before; for the shared login it is
the counter named with a matching key, otherwise NULL, and row security, the guards and the
desk binding refuse everything. PgBouncer's reset between clients clears both settings.

The reads are rewritten where they are, from the catalogue (functions, policies, column
defaults), so none is missed; a test checks that no other read of the login role is left.

Found on the way: the functions without a ``search_path`` of their own (``tawasul_centre()``,
``tawasul_counter()``, the request and operation guards, the feed triggers) named tables
unqualified, and a session's temporary tables come first in its search path. A counter could
``CREATE TEMP TABLE counters`` holding another centre's code and row security took its word.
Every such function now searches this schema first and ``pg_temp`` last (``tawasul_caller``
excepted: it names no table and must stay inlinable).

An idle desk's pass is mostly planning: the pull reads three parts of the feed in every month
kept, under row security (about 2 ms to plan, 1.4 ms to run, on a warm connection), and
``tawasul_centre()``/``tawasul_counter()``, SQL functions, were parsed and planned at each
call. The two become PL/pgSQL (their plan kept by the session), and ``tawasul_pull()`` runs
the same pull, with its month floor, from a plan the session keeps: on a server connection
that PgBouncer lends desk after desk, as the same login, planning is paid once.
"""

import re

from alembic import op

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0011'
down_revision = 'c0010'
branch_labels = None
depends_on = None

SETUP = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{desks}') THEN
        CREATE ROLE "{desks}" NOLOGIN;
    END IF;
END $$;
ALTER ROLE "{desks}" INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
GRANT {counter} TO "{desks}";

CREATE TABLE desk_keys (
    role_name text COLLATE "C" PRIMARY KEY REFERENCES counters (role_name) ON DELETE CASCADE,
    key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
    set_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON desk_keys FROM PUBLIC;

-- PL/pgSQL: the session keeps its plan (row security calls it in every statement).
CREATE FUNCTION tawasul_desk_role() RETURNS name LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    RETURN (SELECT k.role_name::name FROM desk_keys k
            WHERE k.role_name = current_setting('tawasul.desk_role', true)::name
              AND k.key_hash = sha256(convert_to(current_setting('tawasul.desk_key', true),
                                                 'UTF8')));
END $fn$;

-- Inlined where it is called: for every login but the shared one, the fallback unchanged.
CREATE FUNCTION tawasul_caller(fallback name) RETURNS name LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN session_user = '{desks}'::name THEN {schema}.tawasul_desk_role()
                ELSE fallback END
$fn$;

"""

# A read of the login role not already wrapped (pg_get_expr writes it in capitals).
_READ = re.compile(r"(?<![\w.(])(current_user|session_user)\b", re.IGNORECASE)
_OWN = ("tawasul_caller", "tawasul_desk_role")


def _wrap(text: str) -> str:
    return _READ.sub(lambda m: f"tawasul_caller({m.group(1)})", text)


def _rows(sql: str) -> list[tuple[str, ...]]:
    result = op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})
    return [tuple(r) for r in result]


def upgrade() -> None:
    prefix = role_prefix()
    (schema,) = _rows("SELECT current_schema()")[0]
    run_sql(SETUP.format(desks=f"{prefix}_desks", schema=f'"{schema}"',
                        counter=f'"{prefix}_counter"'))

    for (signature,) in _rows("""
            SELECT p.oid::regprocedure::text FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
              AND p.proname <> 'tawasul_caller'
              AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                              WHERE c LIKE 'search\\_path=%')"""):
        run_sql(f'ALTER ROUTINE {signature} SET search_path = "{schema}", pg_temp')

    for (definition,) in _rows(f"""
            SELECT pg_get_functiondef(p.oid) FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace
              AND p.prosrc ~* '(current|session)_user'
              AND p.proname NOT IN ({", ".join(f"'{n}'" for n in _OWN)})"""):
        run_sql(_wrap(definition))

    for table, policy, using, check in _rows("""
            SELECT tablename, policyname, qual, with_check FROM pg_policies
            WHERE schemaname = current_schema()
              AND (qual ~* '(current|session)_user' OR with_check ~* '(current|session)_user')"""):
        clauses = (f" USING ({_wrap(using)})" if using else "") + \
                  (f" WITH CHECK ({_wrap(check)})" if check else "")
        run_sql(f'ALTER POLICY "{policy}" ON "{table}"{clauses}')

    for table, column, default in _rows("""
            SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
            JOIN pg_class c ON c.oid = d.adrelid
            JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            WHERE c.relnamespace = current_schema()::regnamespace
              AND pg_get_expr(d.adbin, d.adrelid) ~* '(current|session)_user'"""):
        run_sql(f'ALTER TABLE ONLY "{table}" ALTER COLUMN "{column}" SET DEFAULT {_wrap(default)}')

    run_sql(FAST.format(schema=f'"{schema}"', counter=f'"{prefix}_counter"'))


# The session keeps these functions' plans (SQL functions were planned at every call).
FAST = """
CREATE OR REPLACE FUNCTION tawasul_centre() RETURNS varchar LANGUAGE plpgsql STABLE
    SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    RETURN (SELECT centre FROM counters WHERE role_name = tawasul_caller(current_user));
END $fn$;

CREATE OR REPLACE FUNCTION tawasul_counter() RETURNS integer LANGUAGE plpgsql STABLE
    SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    RETURN (SELECT counter FROM counters
            WHERE role_name = tawasul_caller(current_user) AND kind = 'counter');
END $fn$;

CREATE OR REPLACE FUNCTION tawasul_feed_since(cursor_xid xid8) RETURNS timestamptz
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    RETURN (SELECT (max(month) + interval '1 month')::timestamp AT TIME ZONE 'UTC'
            FROM feed_floors WHERE below <= cursor_xid);  -- null: any time
END $fn$;

-- The desk's pull (operations.pull_changes): one snapshot (a STABLE function runs in its
-- caller's) serves the horizon and the scan; the month floor of the cursor prunes the
-- months the cursor is past.
CREATE FUNCTION tawasul_pull(after_xid xid8, after_id bigint, lim integer)
    RETURNS TABLE (horizon text, now timestamptz, xid xid8, id bigint, xid_text text,
                   kind varchar, entity_id text, payload jsonb)
    LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    since timestamptz := coalesce(tawasul_feed_since(after_xid), '-infinity');
BEGIN
    RETURN QUERY
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text, clock_timestamp(),
           f.xid, f.id, f.xid::text, f.kind, f.entity_id, f.payload
    FROM (SELECT 1) AS one LEFT JOIN (
        SELECT f.xid, f.id, f.kind, f.entity_id, f.payload FROM (
            (SELECT * FROM changes WHERE centre IS NULL AND counter IS NULL
                AND (xid, id) > (after_xid, after_id) AND at >= since
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY xid, id LIMIT lim)
            UNION ALL
            (SELECT * FROM changes WHERE centre = (SELECT tawasul_centre()) AND counter IS NULL
                AND (xid, id) > (after_xid, after_id) AND at >= since
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY xid, id LIMIT lim)
            UNION ALL
            (SELECT * FROM changes WHERE centre = (SELECT tawasul_centre())
                AND counter = (SELECT tawasul_counter())
                AND (xid, id) > (after_xid, after_id) AND at >= since
                AND xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY xid, id LIMIT lim)
        ) f ORDER BY f.xid, f.id LIMIT lim
    ) AS f ON true
    ORDER BY f.xid, f.id;
END $fn$;
REVOKE ALL ON FUNCTION tawasul_pull(xid8, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tawasul_pull(xid8, bigint, integer) TO {counter};
"""


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
