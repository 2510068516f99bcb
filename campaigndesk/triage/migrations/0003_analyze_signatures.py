"""Give the query planner statistics on the duplicate-search signatures.

Without them (a table filled in bulk, before autovacuum has looked at it) PostgreSQL
priced the triage queue's one duplicate lookup per page at over a million and compiled
it with JIT: 250 ms of compiling for a 4 ms query, on every queue page. With statistics
its estimate falls below `jit_above_cost`. On an empty table this records nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0002_suggestionsignature_topicrun"),
    ]

    operations = [
        migrations.RunSQL(
            "ANALYZE triage_suggestionsignature", migrations.RunSQL.noop, elidable=True
        ),
    ]
