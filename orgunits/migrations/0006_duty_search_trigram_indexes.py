"""Trigram indexes for searching duty sentences on PostgreSQL.

Django writes `text_en__icontains` as `UPPER(text_en) LIKE UPPER('%…%')`, which without an index
reads every duty sentence: about 120 ms of each search at 400 offices (32,000 sentences), twice
per page (the count and the page). A pg_trgm GIN index on `UPPER(text)` answers the same LIKE.
SQLite has no such index, and there this migration does nothing.
"""
from django.db import migrations

COLUMNS = ("text_en", "text_zh")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension since PostgreSQL 13
    for column in COLUMNS:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS orgunits_duty_{column}_upper_trgm "
                              f"ON orgunits_duty USING gin (UPPER({column}) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS orgunits_duty_{column}_upper_trgm")


class Migration(migrations.Migration):
    dependencies = [("orgunits", "0005_province_printable")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
