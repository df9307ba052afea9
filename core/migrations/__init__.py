"""Alembic environment and revisions of the application database (see core.db.migrate)."""
