"""PostgreSQL: a second, small tsvector of the title and lead, for ranking (see search/engines/database.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_searchdocument ADD COLUMN title_vector tsvector NOT NULL DEFAULT ''::tsvector"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN title_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text")]

    operations = [migrations.RunPython(forwards, backwards)]
