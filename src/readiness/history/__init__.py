"""Memory: past evaluations in a store (embedded SQLite or a shared PostgreSQL), baselines and
the statistics of the regression criterion.

Importing this package imports nothing heavy: `record` is plain dataclasses, and `store`
(SQLAlchemy, Alembic, psycopg) and `regression` (scipy) are imported only by whoever records,
reads or compares, so `evaluate --no-record` stays lean.
"""
