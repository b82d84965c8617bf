"""Open the results store (migrating it to the current schema) and read and write it."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from evaluator.errors import ConfigError
from evaluator.store import schema
from evaluator.store.records import EvaluationRecord, ran
from evaluator.store.sources import SourceArchive

if TYPE_CHECKING:  # pandas loads in a second: only the cohort views need it
    from alembic.config import Config

    from evaluator.cohort.frames import CohortFrames

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0002"
"""The newest migration in ``MIGRATIONS`` (a unit test holds them together): a store already
there opens without loading Alembic, a tenth of a second of every command that stores."""
_CHILDREN = (schema.criteria, schema.checks, schema.metrics)


def _utc(moment: datetime) -> datetime:
    """``moment`` as naive UTC (SQLite hands back naive values, PostgreSQL aware ones)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (the driver the project installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """One process migrates at a time (batch workers may open the store together)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(1401140114)"))
            yield conn
            return
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            yield conn
            return
        with Path(f"{database}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield conn


def _at_head(conn: Connection) -> bool:
    """Whether the database is at :data:`HEAD_REVISION` (read with plain SQL)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return False
    revisions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
    return list(revisions) == [HEAD_REVISION]


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (nothing to do when it is there already)."""
    with _migration_lock(engine) as conn:
        if _at_head(conn):
            return
        from alembic import command

        config = _alembic_config()
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are noise here
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(normalise_url(url))
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")  # ON DELETE CASCADE needs it
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


_OPEN: dict[str, Store] = {}


def open_store(url: str) -> Store:
    """The store at ``url`` (a SQLAlchemy URL), created and migrated as needed.

    A process opens each URL once (a batch worker stores many evaluations): the
    engine's connection pool is reused and the schema is checked only then.
    """
    if url in _OPEN:
        return _OPEN[url]
    try:
        engine = _engine(url)
        migrate(engine)
    except (sa.exc.OperationalError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        shown = sa.engine.make_url(normalise_url(url)).render_as_string(hide_password=True)
        raise ConfigError(
            f"cannot open the results store {shown}: {str(exc).splitlines()[0]}",
            hint="check CAPSTONE_EVAL_DATABASE_URL (or unset it for the SQLite default)",
        ) from None
    store = _OPEN[url] = Store(engine)
    return store


@dataclass(frozen=True, kw_only=True)
class Stored:
    """What storing one evaluation did."""

    evaluation_id: int
    created: bool
    """False when the same evaluation run was stored before (it was updated)."""


class Store:
    """The results database: add evaluations, look them up, read cohort frames."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, record: EvaluationRecord, *, sources: SourceArchive | None = None) -> Stored:
        """Store one evaluation (or update the stored one of the same run) and its sources."""
        return self.add_many([record], sources=[sources])[0]

    def add_many(
        self,
        records: Sequence[EvaluationRecord],
        *,
        sources: Sequence[SourceArchive | None] | None = None,
    ) -> list[Stored]:
        """Store evaluations in one transaction; attempts are renumbered per learner+capstone.

        New evaluations go in with one statement per table (a cohort import of thousands
        of reports is a few statements); a run stored before is updated in place.
        """
        archives = list(sources) if sources is not None else [None] * len(records)
        unique = list({r.run_key: r for r in records}.values())  # the last copy of a run wins
        with self.engine.begin() as conn:
            existing = self._ids(conn, [r.run_key for r in unique])
            ids = {
                **existing,
                **self._insert_new(conn, [r for r in unique if r.run_key not in existing]),
            }
            for record in unique:
                known = existing.get(record.run_key)
                if known is not None:
                    self._replace(conn, record, known)
            self._insert_children(conn, unique, ids, existing)
            for record, archive in zip(records, archives, strict=True):
                if archive is not None:
                    self._write_sources(conn, ids[record.run_key], archive)
            self._renumber(conn, {r.evaluation["learner"] for r in unique})
        return [
            Stored(evaluation_id=ids[r.run_key], created=r.run_key not in existing) for r in records
        ]

    def _ids(self, conn: Connection, keys: list[str]) -> dict[str, int]:
        table = schema.evaluations
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = conn.execute(
                sa.select(table.c.run_key, table.c.id).where(table.c.run_key.in_(chunk))
            )
            found.update({str(key): int(ident) for key, ident in rows})
        return found

    def _insert_new(self, conn: Connection, records: list[EvaluationRecord]) -> dict[str, int]:
        table = schema.evaluations
        if not records:
            return {}
        query = sa.insert(table).returning(
            table.c.run_key, table.c.id, sort_by_parameter_order=True
        )
        result = conn.execute(query, [r.evaluation for r in records])
        return {str(key): int(ident) for key, ident in result}

    def _replace(self, conn: Connection, record: EvaluationRecord, ident: int) -> None:
        """Update a stored run; its criteria, checks and metrics are written again."""
        table = schema.evaluations
        conn.execute(sa.update(table).where(table.c.id == ident), record.evaluation)
        for child in _CHILDREN:
            conn.execute(sa.delete(child).where(child.c.evaluation_id == ident))

    def _insert_children(
        self,
        conn: Connection,
        records: list[EvaluationRecord],
        ids: dict[str, int],
        existing: dict[str, int],
    ) -> None:
        for child, part in zip(_CHILDREN, ("criteria", "checks", "metrics"), strict=True):
            rows = [
                {**row, "evaluation_id": ids[r.run_key]}
                for r in records
                for row in getattr(r, part)
            ]
            if rows:
                conn.execute(sa.insert(child), rows)
        fresh = [
            {**row, "evaluation_id": ids[r.run_key]}
            for r in records
            if r.run_key not in existing
            for row in r.overrides
        ]
        if fresh:
            conn.execute(sa.insert(schema.overrides), fresh)
        for r in records:
            if r.run_key in existing:
                self._write_overrides(conn, existing[r.run_key], r.overrides)

    def _write_overrides(self, conn: Connection, ident: int, rows: list[dict[str, Any]]) -> None:
        """Add the overrides not stored yet; recorded ones are a history and never change."""
        table = schema.overrides
        query = sa.select(table.c.criterion, table.c.at).where(table.c.evaluation_id == ident)
        seen = {(criterion, _utc(at)) for criterion, at in conn.execute(query)}
        new = [
            {**row, "evaluation_id": ident}
            for row in rows
            if (row["criterion"], _utc(row["at"])) not in seen
        ]
        if new:
            conn.execute(sa.insert(table), new)

    def _write_sources(self, conn: Connection, ident: int, archive: SourceArchive) -> None:
        table = schema.sources
        conn.execute(sa.delete(table).where(table.c.evaluation_id == ident))
        conn.execute(
            sa.insert(table),
            {
                "evaluation_id": ident,
                "archive": archive.data,
                "files": archive.files,
                "bytes": archive.bytes,
                "truncated": archive.truncated,
            },
        )

    def _renumber(self, conn: Connection, learners: Iterable[str]) -> None:
        """Attempt n is the n-th evaluation that ran, by start time, of a learner's capstone."""
        table = schema.evaluations
        names = sorted(learners)
        changes: list[dict[str, Any]] = []
        for start in range(0, len(names), 500):
            query = (
                sa.select(
                    table.c.id,
                    table.c.learner,
                    table.c.capstone,
                    table.c.check_verdict,
                    table.c.attempt,
                )
                .where(table.c.learner.in_(names[start : start + 500]))
                .order_by(table.c.learner, table.c.capstone, table.c.started_at, table.c.id)
            )
            counters: dict[tuple[str, str | None], int] = {}
            for ident, learner, capstone, verdict, attempt in conn.execute(query):
                number: int | None = None
                if ran(verdict):
                    number = counters[(learner, capstone)] = (
                        counters.get((learner, capstone), 0) + 1
                    )
                if number != attempt:
                    changes.append({"ident": ident, "number": number})
        if changes:
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("ident"))
                .values(attempt=sa.bindparam("number")),
                changes,
            )

    def evaluated(self, *, learner: str, capstone: str | None, commit: str) -> bool:
        """Whether an evaluation of this learner's capstone at ``commit`` ran and is stored."""
        table = schema.evaluations
        query = sa.select(sa.func.count()).where(
            table.c.learner == learner,
            table.c.capstone.is_(None) if capstone is None else table.c.capstone == capstone,
            table.c.commit_sha == commit,
            table.c.check_verdict != "error",
        )
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar_one())

    def report_text(self, evaluation_id: int) -> str | None:
        """The stored report.json of one evaluation."""
        table = schema.evaluations
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(table.c.report).where(table.c.id == evaluation_id)
            ).scalar()

    def sources(self, evaluation_ids: Iterable[int]) -> dict[int, bytes]:
        """Source archives of the given evaluations (those that have one)."""
        table = schema.sources
        ids = list(evaluation_ids)
        found: dict[int, bytes] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = sa.select(table.c.evaluation_id, table.c.archive).where(
                    table.c.evaluation_id.in_(ids[start : start + 500])
                )
                found.update({ident: bytes(data) for ident, data in conn.execute(query)})
        return found

    def frames(
        self, cohort: str | None = None, *, metric_checks: tuple[str, ...] | None = None
    ) -> CohortFrames:
        """The cohort's evaluations and their criteria, metrics and overrides as DataFrames.

        ``metric_checks`` limits the metrics read to those checks (the dashboard needs
        only the benchmark's; reading fewer rows is most of the time at 100k evaluations).
        """
        from evaluator.store.reading import read_frames

        with self.engine.connect() as conn:
            return read_frames(conn, cohort, metric_checks)
