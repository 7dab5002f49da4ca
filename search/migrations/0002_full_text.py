"""The full-text part of the search documents, in each database's own way.

PostgreSQL: a tsvector column with a GIN index on the documents table.
SQLite: an FTS5 table keyed by page id, emptied by a trigger when its document goes
(a deleted page takes its document row with it).
Both hold the terms of search.analysis, never raw text, so neither database's
own parser (which sees a run of Chinese characters as one word) is involved.
"""

from django.db import migrations

POSTGRES = [
    (
        "ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector",
        "ALTER TABLE search_searchdocument DROP COLUMN search_vector",
    ),
    (
        "CREATE INDEX search_document_vector_gin ON search_searchdocument USING gin (search_vector)",
        "DROP INDEX search_document_vector_gin",
    ),
]
SQLITE = [
    (
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'ascii')",
        "DROP TABLE search_fts",
    ),
    (
        "CREATE TRIGGER search_fts_document_deleted AFTER DELETE ON search_searchdocument "
        "BEGIN DELETE FROM search_fts WHERE rowid = old.page_id; END",
        "DROP TRIGGER search_fts_document_deleted",
    ),
]


def _statements(connection):
    return {"postgresql": POSTGRES, "sqlite": SQLITE}.get(connection.vendor, [])


def forwards(apps, schema_editor):
    for create, _drop in _statements(schema_editor.connection):
        schema_editor.execute(create)


def backwards(apps, schema_editor):
    for _create, drop in reversed(_statements(schema_editor.connection)):
        schema_editor.execute(drop)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
