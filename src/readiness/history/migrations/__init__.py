"""Alembic migrations of the evaluation store, run in code by `readiness.history.schema`."""
