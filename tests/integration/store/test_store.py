"""The results store on SQLite and on a real PostgreSQL server: what goes in comes out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from evaluator.errors import ConfigError
from evaluator.model.criteria import Override
from evaluator.model.report import Report, SourceInfo, Timings, Verdict
from evaluator.rubrics.apply import record_override
from evaluator.store import schema
from evaluator.store.database import (
    HEAD_REVISION,
    MIGRATIONS,
    Store,
    migrate,
    normalise_url,
    open_store,
)
from evaluator.store.records import Membership
from evaluator.store.save import save_report
from evaluator.store.sources import archive_sources, read_sources
from tests.cohort_generator import generate, records
from tests.samples import full_report, no_rubric_report

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _attempt(report: Report, *, hours: int, commit: str, verdict: Verdict | None = None) -> Report:
    start = report.timings.started_at + timedelta(hours=hours)
    return report.model_copy(
        update={
            "timings": Timings(started_at=start, finished_at=start, total_s=3.0),
            "source": SourceInfo(
                kind="git", location="https://github.com/Alice/organizer", commit=commit
            ),
            "verdict": verdict or report.verdict,
        }
    )


def _text(report: Report, **extra: object) -> str:
    return json.dumps({**json.loads(report.model_dump_json()), **extra})


def test_stores_indexed_columns_and_the_whole_report(store_url: str) -> None:
    store = open_store(store_url)
    report = _attempt(full_report(), hours=0, commit="a" * 40)
    text = _text(
        report,
        review={  # as the LLM review writes it (evaluator.model.review.Review)
            "status": "reviewed",
            "model": "openai/gpt-4o-mini",
            "input_tokens": 1200,
            "output_tokens": 300,
            "cost_usd": 0.0042,
        },
    )
    stored = save_report(
        store, text, membership=Membership(learner="alice", cohort="2026-autumn"), now=NOW
    )
    assert stored.created
    frames = store.frames()
    row = frames.evaluations.iloc[0]
    assert (row.learner, row.cohort, row.capstone, row.level) == (
        "alice",
        "2026-autumn",
        "1.1-file-organizer",
        "1",
    )
    assert (row.verdict, row.check_verdict, row.attempt) == ("not-yet", "pass", 1)
    assert row.llm_cost_usd == pytest.approx(0.0042)
    assert row.started_at == report.timings.started_at
    assert store.report_text(stored.evaluation_id) == text  # kept verbatim, review section included
    criteria = frames.criteria.set_index("criterion")
    assert set(criteria.index) == {c.id for c in report.criteria}
    assert criteria.loc["lint-budget", "trust"] == "verified"
    assert criteria.loc["tests-pass", "status"] == "fail"
    metrics = frames.metrics.set_index(["check_id", "name"])["value"]
    assert metrics[("tests", "passed")] == 21
    with store.engine.connect() as conn:
        tokens = conn.execute(sa.text("select llm_tokens, llm_model from evaluations")).one()
    assert tuple(tokens) == (1500, "openai/gpt-4o-mini")


def test_a_review_section_of_another_version_is_kept_and_its_cost_read(store_url: str) -> None:
    store = open_store(store_url)
    odd = {"usage": {"cost": 0.25, "input_tokens": 10, "output_tokens": 5}, "model": "m"}
    stored = save_report(store, _text(full_report(), review=odd), membership=None, now=NOW)
    row = store.frames().evaluations.iloc[0]
    assert row.llm_cost_usd == pytest.approx(0.25)
    assert '"usage"' in (store.report_text(stored.evaluation_id) or "")


def test_same_run_updates_and_overrides_are_their_own_history(store_url: str) -> None:
    store = open_store(store_url)
    first = _attempt(full_report(), hours=0, commit="a" * 40)
    who = Membership(learner="alice", cohort="c1")
    save_report(store, _text(first), membership=who, now=NOW)
    later = record_override(
        first,
        Override(criterion="structure", level=1, note="one long module", by="Bob", at=NOW),
    )
    again = save_report(store, _text(later), membership=None, now=NOW)  # membership kept
    assert not again.created
    frames = store.frames()
    assert len(frames.evaluations) == 1
    assert frames.evaluations.iloc[0].cohort == "c1"
    overrides = frames.overrides.sort_values("at")
    assert list(overrides.criterion) == ["error-handling-quality", "structure"]
    structure = overrides[overrides.criterion == "structure"].iloc[0]
    assert (structure.mentor_level, structure.evaluator_trust) == (1, "llm")
    assert structure.evaluator_level == 3  # the LLM's level, kept beside the mentor's
    save_report(store, _text(later), membership=None, now=NOW)
    assert len(store.frames().overrides) == 2  # re-importing adds nothing


def test_attempts_follow_start_time_whatever_the_import_order(store_url: str) -> None:
    store = open_store(store_url)
    who = Membership(learner="alice", cohort="c1")
    late = _attempt(full_report(), hours=48, commit="c" * 40)
    early = _attempt(full_report(), hours=0, commit="a" * 40)
    broken = _attempt(full_report(), hours=24, commit="b" * 40, verdict=Verdict.ERROR)
    for report in (late, broken, early):
        save_report(store, _text(report), membership=who, now=NOW)
    frames = store.frames().evaluations.sort_values("started_at")
    assert list(frames.attempt.astype("object").where(frames.attempt.notna(), None)) == [1, None, 2]
    assert store.evaluated(learner="alice", capstone="1.1-file-organizer", commit="c" * 40)
    assert not store.evaluated(learner="alice", capstone="1.1-file-organizer", commit="b" * 40)
    assert not store.evaluated(learner="bob", capstone="1.1-file-organizer", commit="c" * 40)


def test_cohort_filter_and_learner_from_source(store_url: str) -> None:
    store = open_store(store_url)
    save_report(
        store, _text(_attempt(full_report(), hours=0, commit="a" * 40)), membership=None, now=NOW
    )
    other = no_rubric_report()
    save_report(store, _text(other), membership=Membership(learner="bob", cohort="c2"), now=NOW)
    assert list(store.frames("c2").evaluations.learner) == ["bob"]
    assert list(store.frames("c2").criteria.evaluation_id) == []
    assert sorted(store.frames().evaluations.learner) == ["alice", "bob"]  # 'Alice' from the URL


def test_sources_archive_round_trip(store_url: str, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "big.py").write_text("#" * 300_000)
    (root / "notes.txt").write_text("not source")
    (root / "link.py").symlink_to(root / "pkg" / "a.py")
    archive = archive_sources(root)
    assert (archive.files, archive.truncated) == (1, True)
    store = open_store(store_url)
    stored = save_report(store, _text(full_report()), membership=None, now=NOW, sources=archive)
    kept = store.sources([stored.evaluation_id])[stored.evaluation_id]
    assert read_sources(kept) == {"pkg/a.py": "x = 1\n"}


def test_head_revision_is_the_newest_migration() -> None:
    # A store at HEAD_REVISION opens without Alembic: it must name the newest migration.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_migrations_run_once_and_reopen_is_idempotent(store_url: str) -> None:
    open_store(store_url)
    store = open_store(store_url)
    migrate(store.engine)  # a store already at the head: nothing to do
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == "0002"
        names = set(sa.inspect(conn).get_table_names())
        # The migrations build exactly the tables and indexes schema.py declares.
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    assert {"evaluations", "criteria", "checks", "metrics", "overrides", "sources"} <= names


def test_a_store_of_the_first_schema_is_upgraded_with_its_evaluations(store_url: str) -> None:
    engine = sa.create_engine(normalise_url(store_url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    save_report(Store(engine), _text(full_report()), membership=None, now=NOW)
    engine.dispose()
    store = open_store(store_url)  # written before the read indexes: migrated on opening
    with store.engine.connect() as conn:
        indexes = {index["name"] for index in sa.inspect(conn).get_indexes("criteria")}
    assert "ix_criteria_values" in indexes
    criteria = store.frames().criteria
    assert sorted(criteria.criterion) == sorted(c.id for c in full_report().criteria)


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(ConfigError) as caught:
        open_store("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in caught.value.message
    assert "CAPSTONE_EVAL_DATABASE_URL" in (caught.value.hint or "")


def test_criteria_read_grouped_are_the_stored_rows(store_url: str) -> None:
    store = open_store(store_url)
    store.add_many(records(generate(learners=40, seed=3)))
    columns = ["evaluation_id", "criterion", "kind", "check_id", "status", "trust"]
    with store.engine.connect() as conn:
        table = schema.criteria
        stored = sorted(conn.execute(sa.select(*(table.c[name] for name in columns))))
        query = sa.select(schema.evaluations.c.id, schema.evaluations.c.cohort)
        cohorts = dict(tuple(row) for row in conn.execute(query))
    read = store.frames().criteria
    assert list(read.columns) == columns
    assert read["evaluation_id"].is_monotonic_increasing  # by evaluation, not by group
    as_read = [tuple(None if pd.isna(v) else v for v in row) for row in read.itertuples(False)]
    assert sorted(as_read) == [tuple(row) for row in stored]
    assert any(row[3] is None for row in as_read)  # judgement criteria have no check
    name = sorted({c for c in cohorts.values() if c})[0]
    in_cohort = store.frames(name).criteria
    assert set(in_cohort["evaluation_id"]) == {
        ident for ident, cohort in cohorts.items() if cohort == name
    } & {row[0] for row in stored}
