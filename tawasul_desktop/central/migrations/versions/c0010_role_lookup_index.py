"""central: a role finds its own row of ``counters`` by index, not by reading them all

Revision ID: c0010
Revises: c0009
Create Date: 2026-12-03 20:00:00.000000

Every statement a counter or supervisor runs looks its role up in ``counters``
(``tawasul_centre()``, ``tawasul_counter()`` in row security, the request guards per row
written). ``role_name`` is the key, yet the lookup read the whole table: ``current_user`` is
of type ``name``, whose collation is "C", while ``role_name`` had the database's default
collation. Comparing the two, neither collation wins, and an index (built under the default
one) answers only a comparison made under its own. At 2,000 counters that was about 2,000
rows and 19 pages read per lookup (0.28 ms) against 6 pages (0.04 ms) by the key.

Role names are SQL identifiers, compared byte for byte by PostgreSQL itself, so "C" is
their natural collation: ``role_name`` takes it (in ``counters`` and in ``saved_filters``,
whose rows a supervisor finds by its role), and every ``role_name = current_user`` already
written (functions, policies, triggers) now uses the key unchanged. A column in a policy
cannot change type, so the three policies that name it are made again as they were.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0010'
down_revision = 'c0009'
branch_labels = None
depends_on = None

UPGRADE = """
DROP POLICY counters_self ON counters;
DROP POLICY counters_seen ON counters;
DROP POLICY saved_filters_own ON saved_filters;
ALTER TABLE counters ALTER COLUMN role_name TYPE text COLLATE "C";
ALTER TABLE saved_filters ALTER COLUMN role_name TYPE text COLLATE "C";
CREATE POLICY counters_self ON counters FOR SELECT TO {counter}, {supervisor}
    USING (role_name = current_user);
CREATE POLICY counters_seen ON counters FOR UPDATE TO {counter}
    USING (role_name = current_user) WITH CHECK (role_name = current_user);
CREATE POLICY saved_filters_own ON saved_filters FOR ALL TO {supervisor}
    USING (role_name = current_user) WITH CHECK (role_name = current_user);
"""


def upgrade() -> None:
    prefix = role_prefix()
    run_sql(UPGRADE.format(counter=f'"{prefix}_counter"', supervisor=f'"{prefix}_supervisor"'))


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")
