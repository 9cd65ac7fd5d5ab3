from django.contrib.postgres.search import SearchVectorField


class SearchDocumentField(SearchVectorField):
    """The indexed form of an entry's text: a `tsvector` on PostgreSQL; on SQLite the Snowball stems as plain text,
    which the FTS5 table mirrors (SQLite has no vector type of its own)."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"
