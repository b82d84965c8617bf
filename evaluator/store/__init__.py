"""The results store: every evaluation's report.json plus indexed columns, in SQL.

SQLite by default, PostgreSQL when ``CAPSTONE_EVAL_DATABASE_URL`` names one;
Alembic migrations (``migrations/``) bring any database to the current schema
when it is opened. Cohort aggregation reads it through :meth:`Store.frames`.
"""

from evaluator.store.database import Store, open_store
from evaluator.store.records import Membership

__all__ = ["Membership", "Store", "open_store"]
