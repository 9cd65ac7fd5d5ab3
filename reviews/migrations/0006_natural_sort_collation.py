"""A German ICU collation with numeric ordering, so "Gutachter/in 2" sorts before "Gutachter/in 10".

PostgreSQL only: SQLite (the embedded default of `make run`) has no ICU; reviews.ordering falls back there."""

from django.db import migrations


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE COLLATION IF NOT EXISTS natural_de (provider = icu, locale = 'de-u-kn-true', deterministic = true)"
        )


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP COLLATION IF EXISTS natural_de")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_confidential_note_for_the_ministry")]

    operations = [migrations.RunPython(create_collation, drop_collation)]
