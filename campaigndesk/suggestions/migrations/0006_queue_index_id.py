"""The triage queue's index ends in id, and the planner gets statistics.

The queue reads one status at a time in (created_at, id) order (queries.keyset_page):
with id in the index, PostgreSQL walks (campaign, status, created_at, id) and stops after
a page instead of sorting the 50,000 new suggestions of a city's campaign. ANALYZE:
neither database keeps statistics on a table filled in bulk until it runs (PostgreSQL's
autovacuum keeps them current afterwards); without them PostgreSQL guessed one row per
status and sorted rather than walk the index.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0005_import_jobs"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="suggestion",
            name="sugg_queue_idx",
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                fields=["campaign", "status", "created_at", "id"], name="sugg_queue_idx"
            ),
        ),
        migrations.RunSQL("ANALYZE suggestions_suggestion", migrations.RunSQL.noop, elidable=True),
    ]
