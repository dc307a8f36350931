"""Alembic scripts of the central PostgreSQL schema (apart from the local store's)."""
