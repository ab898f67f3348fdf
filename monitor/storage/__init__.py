"""Storage: SQLAlchemy Core tables, Alembic migrations, the Store API and the daemon lock."""
