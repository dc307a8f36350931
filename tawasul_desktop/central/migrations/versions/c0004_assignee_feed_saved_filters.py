"""assignee in the change feed; supervisors' saved filters kept centrally

Revision ID: c0004
Revises: c0003
Create Date: 2026-11-30 09:00:00.000000

A request's assignee is set centrally (sync.central.assign) but the feed did not carry it, so
a counter never learnt who holds its requests. A change of assignee now writes a feed row
whose payload names the new assignee (``assignee`` is present only when it changed);
requests assigned before this revision are announced once here, so counters catch up on
their next pull.

``saved_filters`` keeps a supervisor's named queue filters (storage/queue.py) wherever they
sit. Row-level security keys on ``role_name = current_user`` (the default), so a role only
ever reads or changes its own rows; ``owner`` is the desk user who saved it, so two people
sharing one desk's role still keep apart lists. Counters are given nothing.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0004'
down_revision = 'c0003'
branch_labels = None
depends_on = None

# The lifecycle part of a request's payload, for the trigger and the catch-up below.
_PAYLOAD = """jsonb_build_object(
        'id', {r}.id, 'status', {r}.status, 'due_date', {r}.due_date,
        'paused_working_days', {r}.paused_working_days, 'paused_since', {r}.paused_since,
        'decision_reason', {r}.decision_reason, 'decided_by', {r}.decided_by,
        'decided_at', {r}.decided_at, 'updated_at', {r}.updated_at, 'version', {r}.version)"""

# CREATE OR REPLACE keeps the function's owner and its REVOKE from PUBLIC. The assignee is
# named only when it changed: a desk then takes it from central's assignments alone, and an
# unrelated change (a decision, a closure) never undoes what the desk holds.
FEED = f"""
CREATE OR REPLACE FUNCTION tawasul_request_changed() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    body jsonb := {_PAYLOAD.format(r="NEW")};
BEGIN
    IF OLD.assignee IS DISTINCT FROM NEW.assignee THEN
        body := body || jsonb_build_object('assignee', NEW.assignee);
    END IF;
    INSERT INTO changes (centre, counter, kind, entity_id, payload)
    VALUES (NEW.centre, NEW.counter, 'request', NEW.id::text, body);
    RETURN NULL;
END $$;

DROP TRIGGER requests_changed ON requests;
CREATE TRIGGER requests_changed AFTER UPDATE ON requests FOR EACH ROW
    WHEN ((OLD.status, OLD.due_date, OLD.paused_working_days, OLD.paused_since,
           OLD.decision_reason, OLD.decided_by, OLD.decided_at, OLD.assignee)
          IS DISTINCT FROM
          (NEW.status, NEW.due_date, NEW.paused_working_days, NEW.paused_since,
           NEW.decision_reason, NEW.decided_by, NEW.decided_at, NEW.assignee))
    EXECUTE FUNCTION tawasul_request_changed();

INSERT INTO changes (centre, counter, kind, entity_id, payload)
SELECT r.centre, r.counter, 'request', r.id::text,
       {_PAYLOAD.format(r="r")} || jsonb_build_object('assignee', r.assignee)
FROM requests r WHERE r.assignee IS NOT NULL ORDER BY r.id;
"""

SAVED_FILTERS = """
CREATE TABLE saved_filters (
    role_name text NOT NULL DEFAULT current_user,
    owner varchar(32) NOT NULL,
    name varchar(80) NOT NULL,
    payload jsonb NOT NULL DEFAULT '{{}}',
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (role_name, owner, name)
);
ALTER TABLE saved_filters ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON saved_filters TO {supervisor};
GRANT UPDATE (payload, updated_at) ON saved_filters TO {supervisor};
CREATE POLICY saved_filters_own ON saved_filters FOR ALL TO {supervisor}
    USING (role_name = current_user) WITH CHECK (role_name = current_user);
"""


def upgrade() -> None:
    run_sql(FEED)
    run_sql(SAVED_FILTERS.format(supervisor=f'"{role_prefix()}_supervisor"'))


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
