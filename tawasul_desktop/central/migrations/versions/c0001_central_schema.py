"""central schema: requests, events, attachments, change feed, conflicts, roles and row security

Revision ID: c0001
Revises:
Create Date: 2026-11-27 10:00:00.000000

Group roles ``<prefix>_counter`` and ``<prefix>_supervisor`` get least privilege; every
login role made by ``tawasul central add-counter``/``add-supervisor`` joins one of them and is
mapped to its centre (and counter) in ``counters``. Row-level security keys on that mapping and
``current_user`` (never on a setting a desktop could change), so one centre never reads
another's requests.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0001'
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE TABLE central_settings (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE counters (
    role_name text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('counter', 'supervisor')),
    centre varchar(3) NOT NULL CHECK (centre ~ '^[0-9]{3}$'),
    counter integer CHECK (counter BETWEEN 1 AND 99),
    may_decide boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    last_skew_seconds double precision,
    CHECK ((kind = 'counter') = (counter IS NOT NULL))
);
CREATE UNIQUE INDEX counters_centre_counter ON counters (centre, counter) WHERE kind = 'counter';

-- Invoker's rights: the counters policy lets a role read its own row only.
CREATE FUNCTION tawasul_centre() RETURNS varchar LANGUAGE sql STABLE
    AS $$ SELECT centre FROM counters WHERE role_name = current_user $$;
CREATE FUNCTION tawasul_counter() RETURNS integer LANGUAGE sql STABLE
    AS $$ SELECT counter FROM counters WHERE role_name = current_user AND kind = 'counter' $$;

-- Filled from tawasul_desktop.domain.lifecycle.RULES by `tawasul central init/upgrade`.
CREATE TABLE lifecycle_edges (
    from_status varchar(16) NOT NULL,
    to_status varchar(16) NOT NULL,
    clerk_allowed boolean NOT NULL,
    PRIMARY KEY (from_status, to_status)
);

CREATE TABLE requests (
    id uuid PRIMARY KEY,
    number varchar(20) NOT NULL UNIQUE,
    centre varchar(3) NOT NULL,
    counter integer NOT NULL,
    service varchar(40) NOT NULL,
    status varchar(16) NOT NULL CHECK (status IN ('submitted', 'under_review', 'returned',
        'accepted', 'rejected', 'closed', 'withdrawn')),
    applicant_name varchar(100) NOT NULL,
    applicant_id varchar(10) NOT NULL,
    applicant_id_kind varchar(12) NOT NULL,
    applicant_mobile varchar(16) NOT NULL,
    applicant_email varchar(254),
    beneficiary_name varchar(100) NOT NULL,
    beneficiary_id varchar(10) NOT NULL,
    beneficiary_id_kind varchar(12) NOT NULL,
    beneficiary_mobile varchar(16),
    beneficiary_email varchar(254),
    relation varchar(16) NOT NULL,
    search_names text NOT NULL,
    description text NOT NULL,
    fields jsonb NOT NULL DEFAULT '{}',
    submitted_at timestamptz NOT NULL,          -- the counter's clock, as the applicant was told
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),  -- central's clock
    clock_skew_seconds double precision,        -- central minus counter clock when it came up
    effective_day date NOT NULL,
    due_date date NOT NULL,
    paused_working_days integer NOT NULL DEFAULT 0,
    paused_since date,
    decision_reason text,
    decided_by varchar(64),
    decided_at timestamptz,
    duplicate_of uuid,
    created_by varchar(64) NOT NULL,
    import_key varchar(64),
    attachments_pending boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX requests_centre_status ON requests (centre, status, received_at);
CREATE INDEX requests_beneficiary ON requests (beneficiary_id, service);

CREATE TABLE request_attachments (
    request_id uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position integer NOT NULL,
    document varchar(40) NOT NULL,
    display_name varchar(255) NOT NULL,
    media_type varchar(40) NOT NULL,
    size bigint NOT NULL,
    sha256 char(64) NOT NULL,
    PRIMARY KEY (request_id, position)
);
CREATE INDEX request_attachments_sha256 ON request_attachments (sha256);

-- Stored once per content; the CHECK makes a row whose bytes do not hash to its name
-- impossible, so nothing unverified is ever visible.
CREATE TABLE blobs (
    sha256 char(64) PRIMARY KEY,
    size bigint NOT NULL,
    content bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT blobs_verified CHECK (encode(sha256(content), 'hex') = sha256
                                     AND length(content) = size)
);

-- Upload staging, per uploader: each chunk commits on its own, so a retry resumes.
CREATE TABLE blob_chunks (
    sha256 char(64) NOT NULL,
    uploader text NOT NULL DEFAULT current_user,
    pos bigint NOT NULL,
    data bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, uploader, pos)
);

-- Every operation ever applied, keyed by the client-made UUID: a batch sent twice inserts
-- nothing the second time, and the stored outcome is answered again.
CREATE TABLE ops (
    op_id uuid PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,   -- central arrival order
    centre varchar(3) NOT NULL,
    counter integer,                                  -- null: decided centrally
    origin text NOT NULL DEFAULT current_user,
    kind varchar(24) NOT NULL,
    schema_version integer NOT NULL,
    request_id uuid,
    payload jsonb,
    counter_time timestamptz,                         -- when it was done, by the desk's clock
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    clock_skew_seconds double precision,
    outcome varchar(10) NOT NULL DEFAULT 'applied'
        CHECK (outcome IN ('applied', 'conflict', 'rejected')),
    problem jsonb
);
CREATE INDEX ops_request ON ops (request_id);
CREATE INDEX ops_received ON ops (received_at);

CREATE TABLE follow_ups (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    at timestamptz NOT NULL,
    by varchar(64) NOT NULL,
    note text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX follow_ups_request ON follow_ups (request_id);

-- The counters' hash-chained audit logs. The hash is in the key so a database restored from
-- a backup (same store, reused sequence numbers, different entries) loses nothing.
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
    PRIMARY KEY (store_id, seq, hash)
);

CREATE TABLE conflicts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    op_id uuid NOT NULL UNIQUE REFERENCES ops (op_id),
    request_id uuid NOT NULL,
    centre varchar(3) NOT NULL,
    counter integer,
    action varchar(16) NOT NULL,
    central_status varchar(16) NOT NULL,
    problem jsonb NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    resolved_at timestamptz,
    resolved_by text
);

-- The change feed counters pull. xid is the writing transaction's id: readers take only rows
-- older than their snapshot's xmin, i.e. of transactions that have all finished, so a row
-- committed late by an early transaction is never skipped.
CREATE TABLE changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    centre varchar(3),                 -- null: every centre
    counter integer,                   -- null: every counter of the centre
    kind varchar(16) NOT NULL,
    entity_id text NOT NULL,
    payload jsonb NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX changes_feed ON changes (xid, id);

CREATE TABLE closures (
    day date NOT NULL,
    centre varchar(3) NOT NULL DEFAULT '',   -- '': every centre
    reason varchar(200) NOT NULL,
    added_by varchar(64) NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, centre)
);

CREATE TABLE users (
    username varchar(32) PRIMARY KEY,
    centre varchar(3),                       -- null: may log in at every centre
    display_name varchar(100) NOT NULL,
    role varchar(16) NOT NULL,
    password_hash varchar(200) NOT NULL,
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catalogue (
    version integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by text NOT NULL DEFAULT current_user
);

-- Status moves must be edges of the lifecycle; a counter (unless it may decide, on a single
-- desk) only makes the moves a clerk may. Python checks first; this is the backstop.
CREATE FUNCTION tawasul_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me counters%ROWTYPE;
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        SELECT * INTO me FROM counters WHERE role_name = current_user;
        IF NOT EXISTS (
            SELECT 1 FROM lifecycle_edges e
            WHERE e.from_status = OLD.status AND e.to_status = NEW.status
              AND (e.clerk_allowed OR me.role_name IS NULL OR me.kind = 'supervisor'
                   OR me.may_decide)) THEN
            RAISE EXCEPTION 'request % may not move from % to % (role %)',
                OLD.number, OLD.status, NEW.status, current_user
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;
CREATE TRIGGER requests_guard BEFORE UPDATE ON requests
    FOR EACH ROW EXECUTE FUNCTION tawasul_request_guard();

-- Feed writers run as the schema owner: counters cannot write the feed themselves.
CREATE FUNCTION tawasul_request_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO changes (centre, counter, kind, entity_id, payload)
    VALUES (NEW.centre, NEW.counter, 'request', NEW.id::text, jsonb_build_object(
        'id', NEW.id, 'status', NEW.status, 'due_date', NEW.due_date,
        'paused_working_days', NEW.paused_working_days, 'paused_since', NEW.paused_since,
        'decision_reason', NEW.decision_reason, 'decided_by', NEW.decided_by,
        'decided_at', NEW.decided_at, 'updated_at', NEW.updated_at, 'version', NEW.version));
    RETURN NULL;
END $$;
CREATE TRIGGER requests_changed AFTER UPDATE ON requests FOR EACH ROW
    WHEN ((OLD.status, OLD.due_date, OLD.paused_working_days, OLD.paused_since,
           OLD.decision_reason, OLD.decided_by, OLD.decided_at)
          IS DISTINCT FROM
          (NEW.status, NEW.due_date, NEW.paused_working_days, NEW.paused_since,
           NEW.decision_reason, NEW.decided_by, NEW.decided_at))
    EXECUTE FUNCTION tawasul_request_changed();

CREATE FUNCTION tawasul_closure_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO changes (centre, kind, entity_id, payload)
    VALUES (NULLIF(NEW.centre, ''), 'closure', NEW.day::text, jsonb_build_object(
        'day', NEW.day, 'reason', NEW.reason, 'added_by', NEW.added_by,
        'added_at', NEW.added_at));
    RETURN NULL;
END $$;
CREATE TRIGGER closures_changed AFTER INSERT ON closures FOR EACH ROW
    EXECUTE FUNCTION tawasul_closure_changed();

CREATE FUNCTION tawasul_user_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO changes (centre, kind, entity_id, payload)
    VALUES (NEW.centre, 'user', NEW.username, jsonb_build_object(
        'username', NEW.username, 'display_name', NEW.display_name, 'role', NEW.role,
        'password_hash', NEW.password_hash, 'active', NEW.active));
    RETURN NULL;
END $$;
CREATE TRIGGER users_changed AFTER INSERT OR UPDATE ON users FOR EACH ROW
    EXECUTE FUNCTION tawasul_user_changed();

CREATE FUNCTION tawasul_catalogue_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO changes (kind, entity_id, payload)
    VALUES ('catalogue', NEW.version::text,
            jsonb_build_object('version', NEW.version, 'content', NEW.content));
    RETURN NULL;
END $$;
CREATE TRIGGER catalogue_changed AFTER INSERT ON catalogue FOR EACH ROW
    EXECUTE FUNCTION tawasul_catalogue_changed();

REVOKE ALL ON FUNCTION tawasul_request_changed(), tawasul_closure_changed(),
    tawasul_user_changed(), tawasul_catalogue_changed() FROM PUBLIC;
"""

SECURITY = """
GRANT USAGE ON SCHEMA public TO {counter}, {supervisor};
GRANT SELECT ON central_settings, lifecycle_edges, catalogue, tawasul_central_version
    TO {counter}, {supervisor};

ALTER TABLE counters ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON counters TO {counter}, {supervisor};
GRANT UPDATE (last_seen_at, last_skew_seconds) ON counters TO {counter};
CREATE POLICY counters_self ON counters FOR SELECT TO {counter}, {supervisor}
    USING (role_name = current_user);
CREATE POLICY counters_seen ON counters FOR UPDATE TO {counter}
    USING (role_name = current_user) WITH CHECK (role_name = current_user);

ALTER TABLE requests ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON requests TO {counter};
GRANT SELECT ON requests TO {supervisor};
GRANT UPDATE (status, due_date, paused_working_days, paused_since, decision_reason, decided_by,
              decided_at, updated_at, attachments_pending) ON requests TO {counter}, {supervisor};
CREATE POLICY requests_read ON requests FOR SELECT TO {counter}, {supervisor}
    USING (centre = (SELECT tawasul_centre()));
CREATE POLICY requests_insert ON requests FOR INSERT TO {counter}
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()));
CREATE POLICY requests_update ON requests FOR UPDATE TO {counter}, {supervisor}
    USING (centre = (SELECT tawasul_centre())) WITH CHECK (centre = (SELECT tawasul_centre()));

ALTER TABLE request_attachments ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON request_attachments TO {counter};
GRANT SELECT ON request_attachments TO {supervisor};
CREATE POLICY attachments_read ON request_attachments FOR SELECT TO {counter}, {supervisor}
    USING (EXISTS (SELECT 1 FROM requests r WHERE r.id = request_id));
CREATE POLICY attachments_insert ON request_attachments FOR INSERT TO {counter}
    WITH CHECK (EXISTS (SELECT 1 FROM requests r WHERE r.id = request_id));

-- Counters may learn that content exists (they hold it already) but never read it back.
ALTER TABLE blobs ENABLE ROW LEVEL SECURITY;
GRANT SELECT (sha256, size), INSERT ON blobs TO {counter};
GRANT SELECT ON blobs TO {supervisor};
CREATE POLICY blobs_exist ON blobs FOR SELECT TO {counter} USING (true);
CREATE POLICY blobs_insert ON blobs FOR INSERT TO {counter} WITH CHECK (true);
CREATE POLICY blobs_read ON blobs FOR SELECT TO {supervisor}
    USING (EXISTS (SELECT 1 FROM request_attachments a WHERE a.sha256 = blobs.sha256));

ALTER TABLE blob_chunks ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON blob_chunks TO {counter};
CREATE POLICY chunks_own ON blob_chunks FOR ALL TO {counter}
    USING (uploader = current_user) WITH CHECK (uploader = current_user);

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

ALTER TABLE follow_ups ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON follow_ups TO {counter};
GRANT SELECT ON follow_ups TO {supervisor};
CREATE POLICY follow_ups_read ON follow_ups FOR SELECT TO {counter}, {supervisor}
    USING (EXISTS (SELECT 1 FROM requests r WHERE r.id = request_id));
CREATE POLICY follow_ups_insert ON follow_ups FOR INSERT TO {counter}
    WITH CHECK (EXISTS (SELECT 1 FROM requests r WHERE r.id = request_id));

ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON audit_entries TO {counter};
GRANT SELECT ON audit_entries TO {supervisor};
CREATE POLICY audit_counter ON audit_entries FOR ALL TO {counter}
    USING (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()));
CREATE POLICY audit_supervisor ON audit_entries FOR SELECT TO {supervisor}
    USING (centre = (SELECT tawasul_centre()));

ALTER TABLE conflicts ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON conflicts TO {counter}, {supervisor};
GRANT UPDATE (resolved_at, resolved_by) ON conflicts TO {supervisor};
CREATE POLICY conflicts_counter ON conflicts FOR ALL TO {counter}
    USING (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()));
CREATE POLICY conflicts_supervisor ON conflicts FOR ALL TO {supervisor}
    USING (centre = (SELECT tawasul_centre())) WITH CHECK (centre = (SELECT tawasul_centre()));

ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON changes TO {counter}, {supervisor};
CREATE POLICY changes_counter ON changes FOR SELECT TO {counter}
    USING (centre IS NULL OR (centre = (SELECT tawasul_centre())
                              AND (counter IS NULL OR counter = (SELECT tawasul_counter()))));
CREATE POLICY changes_supervisor ON changes FOR SELECT TO {supervisor}
    USING (centre IS NULL OR centre = (SELECT tawasul_centre()));

ALTER TABLE closures ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON closures TO {counter}, {supervisor};
GRANT INSERT ON closures TO {supervisor};
CREATE POLICY closures_read ON closures FOR SELECT TO {counter}, {supervisor}
    USING (centre = '' OR centre = (SELECT tawasul_centre()));
CREATE POLICY closures_add ON closures FOR INSERT TO {supervisor}
    WITH CHECK (centre = (SELECT tawasul_centre()));

-- Counters need the hashes of their centre's users to let them log in offline.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON users TO {counter}, {supervisor};
CREATE POLICY users_read ON users FOR SELECT TO {counter}, {supervisor}
    USING (centre IS NULL OR centre = (SELECT tawasul_centre()));
"""

GROUPS = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {counter_text}) THEN
        CREATE ROLE {counter} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {supervisor_text}) THEN
        CREATE ROLE {supervisor} NOLOGIN;
    END IF;
END $$;
"""


def upgrade() -> None:
    prefix = role_prefix()
    names = {"counter": f'"{prefix}_counter"', "supervisor": f'"{prefix}_supervisor"',
             "counter_text": f"'{prefix}_counter'", "supervisor_text": f"'{prefix}_supervisor'"}
    run_sql(GROUPS.format(**names))
    run_sql(SCHEMA)
    run_sql(SECURITY.format(**names))
    run_sql(f"""INSERT INTO central_settings (key, value) VALUES
        ('role_prefix', '{prefix}'), ('protocol_version', '2'), ('protocol_oldest', '1')""")


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
