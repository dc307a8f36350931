"""central growth: the feed, operations, audit copies and file contents partitioned by month

Revision ID: c0009
Revises: c0007
Create Date: 2026-12-03 16:30:00.000000

At 2,000 counters each of ``changes``, ``ops`` and ``audit_entries`` grows by about 100
million rows a year and file contents by tens of GB a day. Partitioned by month (declarative
range partitioning, a default partition catching anything outside the months made), old
months are dropped whole by ``tawasul central prune`` instead of deleted row by row, and
``tawasul central maintain`` makes the coming months ahead of need.

A partitioned table's unique keys must hold its partition key, so each table is keyed so
that uniqueness still means what the protocol needs:

* ``changes`` by ``at`` (central's clock when written), key ``(id, at)``: ids come from the
  table's identity sequence only (GENERATED ALWAYS), so they stay unique across months.
* ``ops`` by ``op_id`` itself, key ``op_id`` as before, so ``ON CONFLICT (op_id)`` (every
  desk's dedup, older releases' included) still answers across every month. Desks from this
  release make time-ordered ids (UUID version 7: the first 48 bits are the Unix time in ms),
  so a month of ids is one range; older desks' random ids (and ids from a desk whose clock
  is far off) fall outside the months and land in the default partition, which prune
  thins row by row by ``received_at``.
* ``audit_entries`` by ``at`` (the desk's time of the entry), key
  ``(store_id, seq, hash, at)``: an entry sent twice carries the same ``at``, lands in the
  same month and is skipped as before.
* ``blobs`` stays the register of files (key ``sha256``: content-addressed, stored once), and
  its bytes move to ``blob_contents``, partitioned by ``stored_at``. A trigger on ``blobs``
  moves an inserted row's bytes there (verified: ``blob_contents`` checks the hash, the
  trigger the size) after taking a lock on the digest, so one file has one content row
  whatever month it comes back in; inserts of older desks (``INSERT INTO blobs … ON
  CONFLICT (sha256) DO NOTHING``) keep working. Supervisors read bytes from
  ``blob_contents`` (row security: files of their centre's requests).

A batch of a counter's files is stored by one call, ``tawasul_put_files`` (the same checks
as a single file's row, made once for the set). ``feed_floors`` (filled by ``maintain``)
lets a desk's pull leave out at planning the months its cursor is past.

Existing rows are copied into the partitioned tables (months from the oldest row, at most
24 months back, to three months ahead; older rows go to the default partition), with their
grants, row security, triggers and indexes as c0007 left them. ``conflicts`` no longer
references ``ops``: a conflict is the supervisors' record and outlives pruned operations.

Expand only: ``serves_desks_from`` stays c0006.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0009'
down_revision = 'c0007'
branch_labels = None
depends_on = None

FUNCTIONS = """
-- The smallest version-7 UUID of a moment: op ids of a month lie in [floor(m), floor(m+1)).
CREATE FUNCTION tawasul_uuid7_floor(t timestamptz) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0')
            || '00000000000000000000')::uuid $$;

-- The partitioned tables and the column each is partitioned by.
CREATE TABLE tawasul_partitioned (
    parent text PRIMARY KEY,
    key_column text NOT NULL,
    by_uuid7 boolean NOT NULL DEFAULT false
);
INSERT INTO tawasul_partitioned VALUES
    ('changes', 'at', false), ('ops', 'op_id', true),
    ('audit_entries', 'at', false), ('blob_contents', 'stored_at', false);

-- Make one month's partition (months are UTC). Rows of that month already in the default
-- partition (a desk's clock far ahead, say) move into it, so attaching never fails.
CREATE FUNCTION tawasul_add_month(parent_name text, month date) RETURNS boolean
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    spec tawasul_partitioned%ROWTYPE;
    part text := format('%s_%s', parent_name, to_char(month, 'YYYY_MM'));
    month_start timestamptz := date_trunc('month', month)::timestamp AT TIME ZONE 'UTC';
    lo text;
    hi text;
BEGIN
    SELECT * INTO STRICT spec FROM tawasul_partitioned WHERE parent = parent_name;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    IF spec.by_uuid7 THEN
        lo := tawasul_uuid7_floor(month_start)::text;
        hi := tawasul_uuid7_floor(month_start + interval '1 month')::text;
    ELSE
        lo := month_start::text;
        hi := (month_start + interval '1 month')::text;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   part, parent_name);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) '
                   'INSERT INTO %I SELECT * FROM moved', parent_name || '_default',
                   spec.key_column, lo, spec.key_column, hi, part);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent_name, part, lo, hi);
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION tawasul_add_month(text, date) FROM PUBLIC;

-- Months from ``since`` (at most 24 months back) to ``ahead`` months after now.
CREATE FUNCTION tawasul_add_months(parent_name text, since timestamptz, ahead integer)
    RETURNS integer LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT count(*) FILTER (WHERE tawasul_add_month(parent_name, m::date))::integer
    FROM generate_series(
        date_trunc('month', greatest(coalesce(since, now()), now() - interval '24 months')
                            AT TIME ZONE 'UTC'),
        date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => ahead),
        interval '1 month') AS m $$;
REVOKE ALL ON FUNCTION tawasul_add_months(text, timestamptz, integer) FROM PUBLIC;

-- Where a desk's pull may start reading the feed. Every row of a month was written by a
-- transaction whose id was assigned before the row's time (``at``, after ``xid`` in the
-- row), so once a month is over (by an hour, for the clock's sake) every id assigned from
-- then on is newer than all of that month's rows: ``tawasul central maintain`` records that
-- next id per ended month. A pull from a cursor at or past it skips the month (and all
-- before it) at planning, so it reads the months since its cursor, not every month kept.
CREATE TABLE feed_floors (
    month date PRIMARY KEY,        -- first day (UTC) of an ended month of ``changes``
    below xid8 NOT NULL            -- every row of this month and before has a smaller xid
);
CREATE FUNCTION tawasul_record_feed_floors() RETURNS integer
    LANGUAGE sql SET search_path = public, pg_temp AS $$
    WITH ended AS (
        INSERT INTO feed_floors (month, below)
        SELECT m::date, pg_snapshot_xmax(pg_current_snapshot())
        FROM generate_series(date_trunc('month', (SELECT min(at) FROM changes)
                                                  AT TIME ZONE 'UTC'),
                             date_trunc('month', (now() - interval '1 hour') AT TIME ZONE 'UTC')
                                 - interval '1 month',
                             interval '1 month') AS m
        ON CONFLICT (month) DO NOTHING RETURNING 1)
    SELECT count(*)::integer FROM ended $$;
REVOKE ALL ON FUNCTION tawasul_record_feed_floors() FROM PUBLIC;
CREATE FUNCTION tawasul_feed_since(cursor_xid xid8) RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT (max(month) + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    FROM feed_floors WHERE below <= cursor_xid $$;   -- null: any time
REVOKE ALL ON FUNCTION tawasul_feed_since(xid8) FROM PUBLIC;

INSERT INTO central_settings (key, value) VALUES
    ('max_offline_days', '90'), ('attachment_retention_days', '1825'),
    ('months_ahead', '3')
    ON CONFLICT (key) DO NOTHING;

-- What prune removed, when, by whom (the record an auditor asks for).
CREATE TABLE prune_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    by text NOT NULL DEFAULT session_user,
    older_than interval NOT NULL,
    cutoff timestamptz NOT NULL,
    removed jsonb NOT NULL
);
"""

CHANGES = """
ALTER TABLE changes RENAME TO changes_c0007;
ALTER INDEX changes_pkey RENAME TO changes_c0007_pkey;
ALTER SEQUENCE changes_id_seq RENAME TO changes_c0007_id_seq;
CREATE TABLE changes (
    id bigint GENERATED ALWAYS AS IDENTITY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    centre varchar(3),
    counter integer,
    kind varchar(16) NOT NULL,
    entity_id text NOT NULL,
    payload jsonb NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    caused_by text DEFAULT session_user,
    CONSTRAINT changes_counter_has_centre CHECK (centre IS NOT NULL OR counter IS NULL),
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE changes_default PARTITION OF changes DEFAULT;
SELECT tawasul_add_months('changes', (SELECT min(at) FROM changes_c0007), 3);
INSERT INTO changes (id, xid, centre, counter, kind, entity_id, payload, at, caused_by)
    OVERRIDING SYSTEM VALUE
    SELECT id, xid, centre, counter, kind, entity_id, payload, at, caused_by
    FROM changes_c0007;
SELECT setval(pg_get_serial_sequence('changes', 'id'),
              (SELECT coalesce(max(id), 0) + 1 FROM changes_c0007), false);
DROP TABLE changes_c0007;
CREATE INDEX changes_desk_feed ON changes (centre, counter, xid, id);
"""

OPS = """
ALTER TABLE conflicts DROP CONSTRAINT IF EXISTS conflicts_op_id_fkey;
DROP TRIGGER ops_refused ON ops;
DROP TRIGGER ops_guard ON ops;
ALTER TABLE ops RENAME TO ops_c0007;
ALTER INDEX ops_pkey RENAME TO ops_c0007_pkey;
ALTER INDEX ops_seq_key RENAME TO ops_c0007_seq_key;
ALTER SEQUENCE ops_seq_seq RENAME TO ops_c0007_seq_seq;
ALTER INDEX ops_request RENAME TO ops_c0007_request;
ALTER INDEX ops_received RENAME TO ops_c0007_received;
CREATE TABLE ops (
    op_id uuid NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,          -- central arrival order
    centre varchar(3) NOT NULL,
    counter integer,
    origin text NOT NULL DEFAULT current_user,
    kind varchar(24) NOT NULL,
    schema_version integer NOT NULL,
    request_id uuid,
    payload jsonb,
    counter_time timestamptz,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    clock_skew_seconds double precision,
    outcome varchar(10) NOT NULL DEFAULT 'applied'
        CHECK (outcome IN ('applied', 'conflict', 'rejected')),
    problem jsonb,
    arrived_xid xid8 DEFAULT pg_current_xact_id(),
    PRIMARY KEY (op_id)
) PARTITION BY RANGE (op_id);
CREATE TABLE ops_default PARTITION OF ops DEFAULT;
SELECT tawasul_add_months('ops', now() - interval '1 month', 3);
INSERT INTO ops (op_id, seq, centre, counter, origin, kind, schema_version, request_id,
                 payload, counter_time, received_at, clock_skew_seconds, outcome, problem,
                 arrived_xid)
    OVERRIDING SYSTEM VALUE
    SELECT op_id, seq, centre, counter, origin, kind, schema_version, request_id, payload,
           counter_time, received_at, clock_skew_seconds, outcome, problem, arrived_xid
    FROM ops_c0007;
SELECT setval(pg_get_serial_sequence('ops', 'seq'),
              (SELECT coalesce(max(seq), 0) + 1 FROM ops_c0007), false);
DROP TABLE ops_c0007;
CREATE INDEX ops_request ON ops (request_id);
CREATE INDEX ops_received ON ops (received_at);
CREATE TRIGGER ops_refused AFTER INSERT OR UPDATE OF outcome, problem ON ops FOR EACH ROW
    WHEN (NEW.outcome <> 'applied' AND NEW.request_id IS NOT NULL)
    EXECUTE FUNCTION tawasul_op_refused();
CREATE TRIGGER ops_guard BEFORE UPDATE ON ops FOR EACH ROW EXECUTE FUNCTION tawasul_op_guard();
"""

AUDIT = """
ALTER TABLE audit_entries RENAME TO audit_entries_c0007;
ALTER INDEX audit_entries_pkey RENAME TO audit_entries_c0007_pkey;
CREATE TABLE audit_entries (
    store_id uuid NOT NULL,
    seq bigint NOT NULL,
    hash char(64) NOT NULL,
    centre varchar(3) NOT NULL,
    counter integer NOT NULL,
    at timestamptz NOT NULL,
    actor varchar(64) NOT NULL,
    action varchar(40) NOT NULL,
    entity varchar(40) NOT NULL,
    entity_id varchar(64) NOT NULL,
    old text,
    new text,
    prev_hash char(64) NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (store_id, seq, hash, at)
) PARTITION BY RANGE (at);
CREATE TABLE audit_entries_default PARTITION OF audit_entries DEFAULT;
SELECT tawasul_add_months('audit_entries', (SELECT min(at) FROM audit_entries_c0007), 3);
INSERT INTO audit_entries SELECT store_id, seq, hash, centre, counter, at, actor, action,
    entity, entity_id, old, new, prev_hash, received_at FROM audit_entries_c0007;
DROP TABLE audit_entries_c0007;
CREATE INDEX audit_entries_entity ON audit_entries (entity, entity_id);
"""

BLOBS = """
CREATE TABLE blob_contents (
    sha256 char(64) NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    content bytea NOT NULL,
    CONSTRAINT blobs_verified CHECK (encode(sha256(content), 'hex') = sha256),
    PRIMARY KEY (sha256, stored_at)
) PARTITION BY RANGE (stored_at);
CREATE TABLE blob_contents_default PARTITION OF blob_contents DEFAULT;
SELECT tawasul_add_months('blob_contents', (SELECT min(stored_at) FROM blobs), 3);
INSERT INTO blob_contents (sha256, stored_at, content)
    SELECT sha256, stored_at, content FROM blobs;
ALTER TABLE blobs DROP CONSTRAINT blobs_verified;
ALTER TABLE blobs ALTER COLUMN content DROP NOT NULL;
UPDATE blobs SET content = ''::bytea;
-- Set when prune moved the file out (exported to a folder, or dropped): the register stays,
-- so a desk still holding the file does not send it again.
ALTER TABLE blobs ADD COLUMN archived_at timestamptz, ADD COLUMN archived_to text;

-- The register keeps no bytes: they go to this month's partition of blob_contents, once per
-- digest (the advisory lock orders two uploads of the same file; the second finds it). The
-- register row keeps an empty content: only the owner (tawasul_put_files, below) writes a
-- row with none, having stored its bytes itself.
CREATE FUNCTION tawasul_blob_store() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    IF length(NEW.content) <> NEW.size THEN
        RAISE EXCEPTION 'file % is not % bytes long', left(NEW.sha256, 12), NEW.size
            USING ERRCODE = 'check_violation', CONSTRAINT = 'blobs_verified';
    END IF;
    PERFORM pg_advisory_xact_lock(7391, hashtext(NEW.sha256));
    IF EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = NEW.sha256) THEN
        RETURN NULL;  -- stored already: nothing to add (as ON CONFLICT DO NOTHING)
    END IF;
    INSERT INTO blob_contents (sha256, stored_at, content)
        VALUES (NEW.sha256, NEW.stored_at, NEW.content);
    NEW.content := ''::bytea;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION tawasul_blob_store() FROM PUBLIC;
CREATE TRIGGER blobs_store BEFORE INSERT ON blobs
    FOR EACH ROW WHEN (NEW.content IS NOT NULL) EXECUTE FUNCTION tawasul_blob_store();

-- A batch of a counter's files in one statement: the checks of the row-level path (its own
-- requests' files, their declared sizes, the hash by blob_contents' CHECK), made once for
-- the set; the bytes inserted in one go instead of one trigger call per file.
CREATE FUNCTION tawasul_put_files(shas char(64)[], sizes bigint[], contents bytea[])
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    me counters%ROWTYPE;
    stored integer;
BEGIN
    SELECT * INTO me FROM counters WHERE role_name = session_user AND kind = 'counter';
    IF me.role_name IS NULL THEN
        RAISE EXCEPTION 'only a counter''s role uploads files (role %)', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(shas, sizes, contents) f(sha, size, content)
               WHERE length(f.content) IS DISTINCT FROM f.size
                  OR NOT EXISTS (
                      SELECT 1 FROM request_attachments a JOIN requests r ON r.id = a.request_id
                      WHERE a.sha256 = f.sha AND a.size = f.size
                        AND r.centre = me.centre AND r.counter = me.counter)) THEN
        RAISE EXCEPTION 'a file is not one of role %''s requests, or not its declared size',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(7391, hashtext(sha))
        FROM (SELECT DISTINCT sha FROM unnest(shas) sha ORDER BY sha) ordered;
    WITH fresh AS (
        SELECT DISTINCT ON (f.sha) f.sha, f.size, f.content
        FROM unnest(shas, sizes, contents) f(sha, size, content)
        WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.sha)
        ORDER BY f.sha
    ), bytes AS (
        INSERT INTO blob_contents (sha256, stored_at, content)
        SELECT sha, now(), content FROM fresh
    )
    INSERT INTO blobs (sha256, size, content, stored_at) SELECT sha, size, NULL, now() FROM fresh;
    GET DIAGNOSTICS stored = ROW_COUNT;
    RETURN stored;
END $$;
REVOKE ALL ON FUNCTION tawasul_put_files(char(64)[], bigint[], bytea[]) FROM PUBLIC;

-- A batch of files arriving clears "attachments pending" in one statement, not one per file
-- (the rule of c0007 unchanged: every request holding one of them whose files are all in).
CREATE OR REPLACE FUNCTION tawasul_blob_arrived() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE requests r SET attachments_pending = false
    FROM (SELECT DISTINCT a.request_id FROM arrived n
          JOIN request_attachments a ON a.sha256 = n.sha256) held
    WHERE r.id = held.request_id AND r.attachments_pending
      AND NOT EXISTS (SELECT 1 FROM request_attachments a
                      WHERE a.request_id = r.id
                        AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256));
    RETURN NULL;
END $$;
DROP TRIGGER blobs_arrived ON blobs;
CREATE TRIGGER blobs_arrived AFTER INSERT ON blobs REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION tawasul_blob_arrived();
"""

SECURITY = """
ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON changes TO {counter}, {supervisor};
CREATE POLICY changes_counter ON changes FOR SELECT TO {counter}
    USING (centre IS NULL OR (centre = (SELECT tawasul_centre())
                              AND (counter IS NULL OR counter = (SELECT tawasul_counter()))));
CREATE POLICY changes_supervisor ON changes FOR SELECT TO {supervisor}
    USING (centre IS NULL OR centre = (SELECT tawasul_centre()));

ALTER TABLE ops ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON ops TO {counter}, {supervisor};
GRANT UPDATE (outcome, problem) ON ops TO {counter}, {supervisor};
CREATE POLICY ops_counter ON ops FOR ALL TO {counter}
    USING (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter())
                AND origin = current_user);
CREATE POLICY ops_supervisor ON ops FOR ALL TO {supervisor}
    USING (centre = (SELECT tawasul_centre()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND origin = current_user);

ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON audit_entries TO {counter};
GRANT SELECT ON audit_entries TO {supervisor};
CREATE POLICY audit_counter ON audit_entries FOR ALL TO {counter}
    USING (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter())
                AND store_id = coalesce((SELECT tawasul_bound_desk()), store_id));
CREATE POLICY audit_supervisor ON audit_entries FOR SELECT TO {supervisor}
    USING (centre = (SELECT tawasul_centre()));

-- A counter's row always brings bytes (the trigger stores them): a register row without
-- them is the owner's alone (tawasul_put_files).
DROP POLICY blobs_insert ON blobs;
CREATE POLICY blobs_insert ON blobs FOR INSERT TO {counter}
    WITH CHECK (content IS NOT NULL
                AND EXISTS (SELECT 1 FROM request_attachments a
                            JOIN requests r ON r.id = a.request_id
                            WHERE a.sha256 = blobs.sha256 AND a.size = blobs.size
                              AND r.counter = (SELECT tawasul_counter())));
GRANT EXECUTE ON FUNCTION tawasul_put_files(char(64)[], bigint[], bytea[]) TO {counter};

GRANT EXECUTE ON FUNCTION tawasul_feed_since(xid8) TO {counter}, {supervisor};

-- Supervisors read the bytes of their centre's files; counters never read bytes back.
ALTER TABLE blob_contents ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON blob_contents TO {supervisor};
CREATE POLICY blob_contents_read ON blob_contents FOR SELECT TO {supervisor}
    USING (EXISTS (SELECT 1 FROM request_attachments a WHERE a.sha256 = blob_contents.sha256));
"""


def upgrade() -> None:
    prefix = role_prefix()
    run_sql(FUNCTIONS)
    run_sql(CHANGES)
    run_sql(OPS)
    run_sql(AUDIT)
    run_sql(BLOBS)
    run_sql(SECURITY.format(counter=f'"{prefix}_counter"', supervisor=f'"{prefix}_supervisor"'))
    run_sql("SELECT tawasul_record_feed_floors()")


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
