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
DEFINER functions). Every such read now goes through ``tawasul_caller(fallback)``: whenever the
fallback is not the shared login it is exactly the fallback, as before (inside a SECURITY
DEFINER function ``current_user`` stays the owner); for the shared login it is the counter
named with a matching key whose login is enabled, otherwise NULL. PgBouncer's reset between
clients clears both settings.

Nobody known on the desks' side is never the owner: the request, operation and conflict
guards treated a caller without a ``counters`` row as central itself. A member of the
counters' group (a counter, the shared login, or either after ``SET ROLE`` to the group, even
halfway through a statement) is now a counter with no say when it is known as nobody. Row
security on the counters' tables also asks for a centre (``tawasul_centre()`` not NULL), so
the shared login without a key reads no row, not even the rows of no centre.

The reads are rewritten where they are, from the catalogue (functions, policies, column
defaults), so none is missed; a test checks that no other read of the login role is left.

Found on the way: the functions without a ``search_path`` of their own (``tawasul_centre()``,
``tawasul_counter()``, the request and operation guards, the feed triggers) named tables
unqualified, and a session's temporary tables come first in its search path. A counter could
``CREATE TEMP TABLE counters`` holding another centre's code and row security took its word.
Every function that had no search path of its own now searches this schema first and
``pg_temp`` last, but ``tawasul_caller`` (it names no table and must stay inlinable) and the
three guards, triggers run once per row (about 6 us a call for the setting), which are written
anew below with every table named with its schema. Temporary tables stay allowed (desks of
the previous release use them); nobody but the owner may create objects in the schema.

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

REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;

CREATE TABLE desk_keys (
    role_name text COLLATE "C" PRIMARY KEY REFERENCES counters (role_name) ON DELETE CASCADE,
    key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
    set_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON desk_keys FROM PUBLIC;

-- PL/pgSQL: the session keeps its plan (row security calls it in every statement). Only
-- the shared login's sessions are answered: nobody else can try keys through it.
CREATE FUNCTION tawasul_desk_role() RETURNS name LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    IF session_user <> '{desks}'::name THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT k.role_name::name FROM desk_keys k
            JOIN pg_catalog.pg_roles r ON r.rolname = k.role_name
            WHERE k.role_name = current_setting('tawasul.desk_role', true)::name
              AND k.key_hash = sha256(convert_to(current_setting('tawasul.desk_key', true),
                                                 'UTF8'))
              -- a counter whose login was disabled or has expired is nobody here too
              AND r.rolcanlogin AND (r.rolvaliduntil IS NULL OR r.rolvaliduntil > now()));
END $fn$;

-- Inlined where it is called: whenever the fallback is not the shared login, the fallback.
CREATE FUNCTION tawasul_caller(fallback name) RETURNS name LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN fallback = '{desks}'::name THEN {schema}.tawasul_desk_role()
                ELSE fallback END
$fn$;

-- On the desks' side: a member of the counters' group (a superuser is a member of every
-- role, and is central).
CREATE FUNCTION tawasul_desk_side() RETURNS boolean LANGUAGE sql STABLE AS $fn$
    SELECT pg_has_role(current_user, '{counter_text}', 'MEMBER')
           AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
$fn$;

"""

# A read of the login role not already wrapped (pg_get_expr writes it in capitals).
_READ = re.compile(r"(?<![\w.(])(current_user|session_user)\b", re.IGNORECASE)
_OWN = ("tawasul_caller", "tawasul_desk_role", "tawasul_desk_side")


def _wrap(text: str) -> str:
    return _READ.sub(lambda m: f"tawasul_caller({m.group(1)})", text)


def _rows(sql: str) -> list[tuple[str, ...]]:
    result = op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})
    return [tuple(r) for r in result]


def upgrade() -> None:
    prefix = role_prefix()
    (schema,) = _rows("SELECT current_schema()")[0]
    names = {"desks": f"{prefix}_desks", "schema": f'"{schema}"',
             "counter": f'"{prefix}_counter"', "counter_text": f"{prefix}_counter"}
    run_sql(SETUP.format(**names))

    for (signature,) in _rows("""
            SELECT p.oid::regprocedure::text FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
              AND p.proname NOT IN ('tawasul_caller', 'tawasul_desk_side')
              AND p.proname NOT IN ('tawasul_request_guard', 'tawasul_op_guard',
                                    'tawasul_conflict_guard')  -- written anew below
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                              AND d.objid = p.oid AND d.deptype = 'e')  -- an extension's
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

    run_sql(FAST.format(**names))
    run_sql(GUARDS.format(**names))

    run_sql(NO_CENTRE)


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


# Rows of no centre (users and closures for every centre, their feed, files' digests) only for
# a caller known by a centre: the shared login with no key reads none. Inside the branch that
# admits them, so an idle pull reading no such row never asks.
NO_CENTRE = """
ALTER POLICY changes_counter ON changes USING (
    (centre IS NULL AND (SELECT tawasul_centre()) IS NOT NULL)
    OR (centre = (SELECT tawasul_centre())
        AND (counter IS NULL OR counter = (SELECT tawasul_counter()))));
ALTER POLICY users_read ON users USING (
    (centre IS NULL AND (SELECT tawasul_centre()) IS NOT NULL)
    OR centre = (SELECT tawasul_centre()));
ALTER POLICY closures_read ON closures USING (
    (centre = '' AND (SELECT tawasul_centre()) IS NOT NULL)
    OR centre = (SELECT tawasul_centre()));
ALTER POLICY blobs_exist ON blobs USING ((SELECT tawasul_centre()) IS NOT NULL);
"""

# Known as nobody on the desks' side: a counter with no say, never central itself. Every
# table named with its schema: a temporary table of the same name never stands in.
GUARDS = """
CREATE OR REPLACE FUNCTION tawasul_request_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    me {schema}.counters%ROWTYPE;
    resumed integer;
    returned_days integer;
BEGIN
    SELECT * INTO me FROM {schema}.counters WHERE role_name = tawasul_caller(current_user);
    IF me.role_name IS NULL AND tawasul_desk_side() THEN
        me.role_name := '(nobody)';
        me.kind := 'counter';
        me.may_decide := false;
    END IF;
    IF TG_OP = 'INSERT' THEN  -- only for rows the trigger's WHEN found suspect
        IF me.kind = 'counter' THEN
            RAISE EXCEPTION 'request % arrives decided, paused or with a due date central '
                'would not give (role %)', NEW.number, me.role_name
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT EXISTS (
            SELECT 1 FROM {schema}.lifecycle_edges e
            WHERE e.from_status = OLD.status AND e.to_status = NEW.status
              AND (e.clerk_allowed OR me.role_name IS NULL OR me.kind = 'supervisor'
                   OR me.may_decide)) THEN
            RAISE EXCEPTION 'request % may not move from % to % (role %)',
                OLD.number, OLD.status, NEW.status, coalesce(me.role_name, 'central')
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF me.kind = 'counter' AND NOT me.may_decide THEN
        IF (NEW.decision_reason, NEW.decided_by, NEW.decided_at)
           IS DISTINCT FROM (OLD.decision_reason, OLD.decided_by, OLD.decided_at) THEN
            RAISE EXCEPTION 'request %: decisions are made centrally, not by role %',
                OLD.number, me.role_name USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.status = 'returned' AND NEW.status = 'under_review'
           AND OLD.paused_since IS NOT NULL THEN
            -- The applicant answered: the clock resumes. Working days never outnumber
            -- calendar days, and k working days move a date by k to 2k + 14 calendar days.
            resumed := NEW.paused_working_days - OLD.paused_working_days;
            returned_days := current_date + 1 - OLD.paused_since;
            IF NEW.paused_since IS NOT NULL OR resumed NOT BETWEEN 0 AND returned_days
               OR NEW.due_date NOT BETWEEN OLD.due_date + resumed
                                       AND OLD.due_date + 2 * resumed + 14 THEN
                RAISE EXCEPTION 'request %: the answer resumes the clock by the days it was '
                    'returned, no more (role %)', OLD.number, me.role_name
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSIF (NEW.due_date, NEW.paused_working_days, NEW.paused_since)
              IS DISTINCT FROM (OLD.due_date, OLD.paused_working_days, OLD.paused_since) THEN
            RAISE EXCEPTION 'request %: due dates and paused days are central''s (role %)',
                OLD.number, me.role_name USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF me.kind = 'counter' AND OLD.attachments_pending AND NOT NEW.attachments_pending
       AND EXISTS (SELECT 1 FROM {schema}.request_attachments a WHERE a.request_id = OLD.id
                   AND NOT EXISTS (SELECT 1 FROM {schema}.blobs b WHERE b.sha256 = a.sha256)) THEN
        RAISE EXCEPTION 'request %: its files have not all arrived', OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $fn$;

CREATE OR REPLACE FUNCTION tawasul_op_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF (EXISTS (SELECT 1 FROM {schema}.counters
                WHERE role_name = tawasul_caller(current_user) AND kind = 'counter')
        OR tawasul_desk_side())
       AND (OLD.outcome <> 'applied' OR OLD.arrived_xid IS DISTINCT FROM pg_current_xact_id()
            OR NEW.arrived_xid IS DISTINCT FROM OLD.arrived_xid) THEN
        RAISE EXCEPTION 'operation %: its outcome is central''s record (role %)',
            OLD.op_id, coalesce(tawasul_caller(current_user), '(nobody)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $fn$;

CREATE OR REPLACE FUNCTION tawasul_conflict_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM {schema}.counters
               WHERE role_name = tawasul_caller(current_user) AND kind = 'counter')
       OR tawasul_desk_side() THEN
        IF EXISTS (SELECT 1 FROM {schema}.conflicts c WHERE c.op_id = NEW.op_id) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'conflicts are recorded by central, not by role %',
            coalesce(tawasul_caller(current_user), '(nobody)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $fn$;
"""


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
