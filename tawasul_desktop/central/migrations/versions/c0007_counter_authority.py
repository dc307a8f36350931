"""central authority: what a counter's role may change, who caused each change, desk binding

Revision ID: c0007
Revises: c0006
Create Date: 2026-12-03 14:00:00.000000

Through its own login a counter could set any lifecycle column of any request of its centre
(due dates, decisions, another counter's withdrawal). From here the database refuses, whoever
connects:

* a counter's role updates only its own counter's requests (row security), only along the
  lifecycle edges a clerk may take (unless the counter ``may_decide``, a single-desk centre),
  never the decision columns, and due date and paused days only as the applicant's answer
  moves them (the clock resumes: paused by no more working days than the request was
  returned by central's calendar days, the due date moved by that much). Its intake is a
  submitted request with no decision, no pause and a due date near its effective day;
* ``conflicts`` rows are written by central: a trigger on ``ops`` records every refused
  operation (conflict or rejected); a counter's own INSERT is refused (one already recorded
  for the same operation, as desks before c0007 send it, is skipped instead);
* ``blobs`` and ``blob_chunks`` take only bytes of a file attached to one of the counter's
  own requests (attachments arrive only with the request's intake), no more than its
  declared size; ``attachments_pending`` clears by trigger
  when the file arrives, for every request holding it;
* each row of the change feed names who caused it (``changes.caused_by``, the login role);
* a counter's login is bound to the first desk store that syncs (``tawasul_bind_desk``);
  audit entries name that store.

Expand only: every grant a desk at c0006 uses is kept, so ``serves_desks_from`` stays
c0006 (a desk from before the binding simply does not bind; its own INSERT into
``conflicts`` after marking an operation is skipped; its clearing of
``attachments_pending`` is redundant with the trigger). The contract that may follow once no
such desk is left: revoke INSERT on ``conflicts`` from counters, drop the skip in
``tawasul_conflict_guard``, require a bound desk for audit entries, and move
``serves_desks_from`` up.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0007'
down_revision = 'c0006'
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE changes ADD COLUMN caused_by text;
ALTER TABLE changes ALTER COLUMN caused_by SET DEFAULT session_user;

ALTER TABLE counters ADD COLUMN desk_id uuid, ADD COLUMN desk_label text,
    ADD COLUMN desk_bound_at timestamptz;

ALTER TABLE conflicts ALTER COLUMN action TYPE varchar(40),
    ALTER COLUMN central_status DROP NOT NULL;

-- Status moves must be edges of the lifecycle; a counter's role (unless it may decide, on a
-- single desk) makes only a clerk's moves and leaves central's columns alone. Python checks
-- first, for good messages; this is the last line.
CREATE OR REPLACE FUNCTION tawasul_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me counters%ROWTYPE;
    resumed integer;
    returned_days integer;
BEGIN
    SELECT * INTO me FROM counters WHERE role_name = current_user;
    IF TG_OP = 'INSERT' THEN  -- only for rows the trigger's WHEN found suspect
        IF me.kind = 'counter' THEN
            RAISE EXCEPTION 'request % arrives decided, paused or with a due date central '
                'would not give (role %)', NEW.number, current_user
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
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
    IF me.kind = 'counter' AND NOT me.may_decide THEN
        IF (NEW.decision_reason, NEW.decided_by, NEW.decided_at)
           IS DISTINCT FROM (OLD.decision_reason, OLD.decided_by, OLD.decided_at) THEN
            RAISE EXCEPTION 'request %: decisions are made centrally, not by role %',
                OLD.number, current_user USING ERRCODE = 'insufficient_privilege';
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
                    'returned, no more (role %)', OLD.number, current_user
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSIF (NEW.due_date, NEW.paused_working_days, NEW.paused_since)
              IS DISTINCT FROM (OLD.due_date, OLD.paused_working_days, OLD.paused_since) THEN
            RAISE EXCEPTION 'request %: due dates and paused days are central''s (role %)',
                OLD.number, current_user USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF me.kind = 'counter' AND OLD.attachments_pending AND NOT NEW.attachments_pending
       AND EXISTS (SELECT 1 FROM request_attachments a WHERE a.request_id = OLD.id
                   AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256)) THEN
        RAISE EXCEPTION 'request %: its files have not all arrived', OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;
-- The WHEN keeps a batch of ordinary intake from calling the function for every row.
CREATE TRIGGER requests_intake_guard BEFORE INSERT ON requests FOR EACH ROW
    WHEN (NEW.status <> 'submitted' OR NEW.decision_reason IS NOT NULL
          OR NEW.decided_by IS NOT NULL OR NEW.decided_at IS NOT NULL
          OR NEW.paused_working_days <> 0 OR NEW.paused_since IS NOT NULL
          OR NEW.effective_day NOT BETWEEN NEW.submitted_at::date - 1
                                       AND NEW.submitted_at::date + 30
          OR NEW.due_date NOT BETWEEN NEW.effective_day AND NEW.effective_day + 60)
    EXECUTE FUNCTION tawasul_request_guard();

-- Every refused operation is kept as a conflict supervisors see, written with the owner's
-- rights from the operation's own row (its origin, its request).
CREATE FUNCTION tawasul_op_refused() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO conflicts (op_id, request_id, centre, counter, action, central_status, problem)
    VALUES (NEW.op_id, NEW.request_id, NEW.centre, NEW.counter,
            left(coalesce(NEW.payload->>'action', NEW.kind), 40),
            (SELECT r.status FROM requests r WHERE r.id = NEW.request_id),
            coalesce(NEW.problem, '{}'::jsonb))
    ON CONFLICT (op_id) DO UPDATE SET problem = EXCLUDED.problem,
        central_status = EXCLUDED.central_status;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION tawasul_op_refused() FROM PUBLIC;
CREATE TRIGGER ops_refused AFTER INSERT OR UPDATE OF outcome, problem ON ops FOR EACH ROW
    WHEN (NEW.outcome <> 'applied' AND NEW.request_id IS NOT NULL)
    EXECUTE FUNCTION tawasul_op_refused();

-- A counter records a refusal only in the transaction that brought the operation: what
-- central answered once is not rewritten later (nor a past refusal erased).
ALTER TABLE ops ADD COLUMN arrived_xid xid8 DEFAULT pg_current_xact_id();
CREATE FUNCTION tawasul_op_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM counters WHERE role_name = current_user AND kind = 'counter')
       AND (OLD.outcome <> 'applied' OR OLD.arrived_xid IS DISTINCT FROM pg_current_xact_id()
            OR NEW.arrived_xid IS DISTINCT FROM OLD.arrived_xid) THEN
        RAISE EXCEPTION 'operation %: its outcome is central''s record (role %)',
            OLD.op_id, current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ops_guard BEFORE UPDATE ON ops FOR EACH ROW EXECUTE FUNCTION tawasul_op_guard();

-- Desks before c0007 insert the conflict themselves after marking the operation: that row
-- exists already and is skipped. Any other insert by a counter is refused.
CREATE FUNCTION tawasul_conflict_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM counters WHERE role_name = current_user AND kind = 'counter') THEN
        IF EXISTS (SELECT 1 FROM conflicts c WHERE c.op_id = NEW.op_id) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'conflicts are recorded by central, not by role %', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER conflicts_guard BEFORE INSERT ON conflicts
    FOR EACH ROW EXECUTE FUNCTION tawasul_conflict_guard();

-- A file's arrival clears "attachments pending" on every request holding it, whoever's.
CREATE FUNCTION tawasul_blob_arrived() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE requests r SET attachments_pending = false
    WHERE r.attachments_pending
      AND r.id IN (SELECT request_id FROM request_attachments WHERE sha256 = NEW.sha256)
      AND NOT EXISTS (SELECT 1 FROM request_attachments a
                      WHERE a.request_id = r.id
                        AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = a.sha256));
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION tawasul_blob_arrived() FROM PUBLIC;
CREATE TRIGGER blobs_arrived AFTER INSERT ON blobs
    FOR EACH ROW EXECUTE FUNCTION tawasul_blob_arrived();

-- The first desk store that syncs as a counter's login keeps it; `tawasul central
-- release-desk` frees it for a replacement.
CREATE FUNCTION tawasul_bind_desk(desk uuid, label text)
    RETURNS TABLE (bound_desk uuid, bound_label text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE counters SET desk_id = desk, desk_label = left(label, 200),
                        desk_bound_at = clock_timestamp()
    WHERE role_name = session_user AND kind = 'counter' AND desk_id IS NULL;
    RETURN QUERY SELECT c.desk_id, c.desk_label FROM counters c
                 WHERE c.role_name = session_user AND c.kind = 'counter';
END $$;
REVOKE ALL ON FUNCTION tawasul_bind_desk(uuid, text) FROM PUBLIC;

CREATE FUNCTION tawasul_bound_desk() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT desk_id FROM counters WHERE role_name = current_user AND kind = 'counter' $$;

INSERT INTO central_settings (key, value) VALUES ('serves_desks_from', 'c0006')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
"""

SECURITY = """
DROP POLICY requests_update ON requests;
CREATE POLICY requests_update_counter ON requests FOR UPDATE TO {counter}
    USING (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()));
CREATE POLICY requests_update_supervisor ON requests FOR UPDATE TO {supervisor}
    USING (centre = (SELECT tawasul_centre())) WITH CHECK (centre = (SELECT tawasul_centre()));

-- A request's attachments arrive with its intake (the transaction that brought it: received
-- then, never earlier), on the counter's own requests only; so do their bytes, below.
DROP POLICY attachments_insert ON request_attachments;
CREATE POLICY attachments_insert ON request_attachments FOR INSERT TO {counter}
    WITH CHECK (EXISTS (SELECT 1 FROM requests r WHERE r.id = request_id
                        AND r.counter = (SELECT tawasul_counter()) AND r.received_at >= now()));

-- Bytes only for a file of the counter's own requests, and no more than its size.
DROP POLICY blobs_insert ON blobs;
CREATE POLICY blobs_insert ON blobs FOR INSERT TO {counter}
    WITH CHECK (EXISTS (SELECT 1 FROM request_attachments a JOIN requests r ON r.id = a.request_id
                        WHERE a.sha256 = blobs.sha256 AND a.size = blobs.size
                          AND r.counter = (SELECT tawasul_counter())));
DROP POLICY chunks_own ON blob_chunks;
CREATE POLICY chunks_own ON blob_chunks FOR SELECT TO {counter} USING (uploader = current_user);
CREATE POLICY chunks_delete ON blob_chunks FOR DELETE TO {counter} USING (uploader = current_user);
-- Staging appends: each chunk starts where the staged bytes end, so no more than the file's
-- size is ever staged (overlapping chunks at every offset would hold size² / 2).
CREATE POLICY chunks_insert ON blob_chunks FOR INSERT TO {counter}
    WITH CHECK (uploader = current_user
        AND pos = (SELECT coalesce(sum(length(c.data)), 0) FROM blob_chunks c
                   WHERE c.sha256 = blob_chunks.sha256 AND c.uploader = current_user)
        AND EXISTS (
            SELECT 1 FROM request_attachments a JOIN requests r ON r.id = a.request_id
            WHERE a.sha256 = blob_chunks.sha256 AND a.size >= blob_chunks.pos + length(data)
              AND r.counter = (SELECT tawasul_counter())));

-- Audit entries of its own counter, from the desk store bound to its login.
DROP POLICY audit_counter ON audit_entries;
CREATE POLICY audit_counter ON audit_entries FOR ALL TO {counter}
    USING (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter()))
    WITH CHECK (centre = (SELECT tawasul_centre()) AND counter = (SELECT tawasul_counter())
                AND store_id = coalesce((SELECT tawasul_bound_desk()), store_id));

GRANT EXECUTE ON FUNCTION tawasul_bind_desk(uuid, text) TO {counter};
"""


def upgrade() -> None:
    prefix = role_prefix()
    run_sql(UPGRADE)
    run_sql(SECURITY.format(counter=f'"{prefix}_counter"', supervisor=f'"{prefix}_supervisor"'))


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
