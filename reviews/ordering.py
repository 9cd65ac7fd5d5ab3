"""Natural ordering of names ("Gutachter/in 2" before "Gutachter/in 10"), in SQL where the database can.

On PostgreSQL the column is compared under the ICU collation `natural_de` (migration 0004, numeric ordering);
SQLite has no ICU, so there the plain column order stays and names with numbers sort as text.
"""

import re

from django.db.models import F, Func


class NaturalOrder(Func):
    """`field` under the natural collation; usable in order_by(), also with .desc()."""

    template = '%(expressions)s COLLATE "natural_de"'

    def __init__(self, field, **extra):
        super().__init__(F(field) if isinstance(field, str) else field, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            return compiler.compile(self.source_expressions[0])
        return super().as_sql(compiler, connection, **extra_context)


def natural_key(text):
    """The same order in Python, for lists that are sorted in memory: digits compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.split(r"(\d+)", text)]
