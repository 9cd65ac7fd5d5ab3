"""Full-text search across the cycle.

Every stage writes its texts here through `index.replace_entries` inside its own services' transactions, and
registers in its `AppConfig.ready()` who may read each kind of text (`registry.register_kind`). The engine reads
one table, `portal.models.SearchEntry`, on PostgreSQL (tsvector, configuration `german`) or on SQLite (FTS5 over
Snowball stems), and never imports a stage.
"""
