"""The results store: every evaluation's report.json plus indexed columns, in SQL.

SQLite by default, PostgreSQL when ``CAPSTONE_EVAL_DATABASE_URL`` names one;
Alembic migrations (``migrations/``) bring any database to the current schema
when it is opened. ``database`` opens and reads it (cohort aggregation reads it
through :meth:`database.Store.frames`, which ``reading`` fills), ``records`` turns
report.json into rows, ``save`` is the one entry point that stores a report,
``sink`` the job queue's ``store`` target. Nothing is imported here: SQLAlchemy
and Alembic load only when a command stores or reads evaluations.
"""
