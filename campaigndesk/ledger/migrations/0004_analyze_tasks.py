"""Give the query planner statistics on the ledger's tables.

SQLite keeps none until ANALYZE runs: without them, a list filtered by a unit and a
light walked the (campaign, deadline) index through the whole campaign (120 ms at
100,000 tasks) instead of reading the unit's range of the (unit_path, deadline) index
(27 ms). A ledger filled in bulk (an import, `campaigndesk scale`) is the usual case
by the time this runs. On an empty table it records nothing, and PostgreSQL's
autovacuum keeps its own statistics current afterwards.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_list_indexes_and_figures"),
    ]

    operations = [
        migrations.RunSQL("ANALYZE ledger_task", migrations.RunSQL.noop, elidable=True),
        migrations.RunSQL("ANALYZE ledger_taskcounit", migrations.RunSQL.noop, elidable=True),
    ]
