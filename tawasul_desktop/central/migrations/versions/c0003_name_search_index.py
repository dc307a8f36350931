"""central name search: a trigram index over the folded names; an index of audit by entity

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-25 15:00:00.000000

The queue's search box looks for each folded word anywhere in ``search_names``
(``LIKE '%word%'``, storage/requests.py). No B-tree can serve that, so at a million rows
every search read the whole centre (0.5-2.5 s). A pg_trgm GIN index answers it from the
trigrams of a word (three letters or more; shorter ones still scan). pg_trgm is a trusted
extension shipped with PostgreSQL's contrib package, so the database owner who runs
``tawasul central init/upgrade`` may create it; where the server lacks it the index is left
out with a notice and search works as before, only slower.

Row-level security keeps the index from a supervisor's own query: LIKE is not a leakproof
operator, so PostgreSQL will not test it on rows before the policy has admitted them, and it
scans instead. So the queue asks ``tawasul_name_matches`` (owner's rights, past the policy)
for the ids whose names hold every pattern; the function limits itself to the centre of the
role that logged in (``session_user``: inside the function ``current_user`` is the owner),
and only the supervisor group may call it.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0003'
down_revision = 'c0002'
branch_labels = None
depends_on = None

UPGRADE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
        CREATE INDEX requests_search_names_trgm ON requests
            USING gin (search_names public.gin_trgm_ops);
    ELSE
        RAISE NOTICE 'pg_trgm is not available: name search reads every request of the centre';
    END IF;
END $$;

-- The first pattern is the most selective (the queue puts its longest word first): the index
-- finds its rows, the others are checked on those.
CREATE FUNCTION tawasul_name_matches(patterns text[]) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 2000 AS $$
    SELECT r.id FROM requests r
    WHERE r.centre = (SELECT c.centre FROM counters c WHERE c.role_name = session_user)
      AND r.search_names LIKE patterns[1]
      AND r.search_names LIKE ALL (patterns)
$$;
REVOKE ALL ON FUNCTION tawasul_name_matches(text[]) FROM PUBLIC;

-- The detail pane reads one request's history from every counter's pushed audit log.
CREATE INDEX audit_entries_entity ON audit_entries (entity, entity_id);
"""


def upgrade() -> None:
    run_sql(UPGRADE + f'GRANT EXECUTE ON FUNCTION tawasul_name_matches(text[]) '
                      f'TO "{role_prefix()}_supervisor";')


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
