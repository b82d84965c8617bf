"""Read the cohort's tables out of the store as DataFrames (what aggregation works on).

At 100k evaluations reading, not aggregating, was the cost: a SQLAlchemy Row per
row, pandas building columns from them, and some two million repeated strings
factorised into categories. So here:

- rows come from the driver's cursor as plain tuples (SQLAlchemy compiles the
  statement; nothing wraps each row);
- criteria, several rows per evaluation but only a few distinct (criterion, kind,
  check, status, trust) combinations, are read grouped: one row per combination
  with the ids of its evaluations joined in one string. The database does the
  grouping and no Python object is made per criterion row;
- SQLite timestamps are read as their text, which pandas parses in one go.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from evaluator.cohort import frames as shapes
from evaluator.store import schema


def read_frames(
    conn: Connection, cohort: str | None, metric_checks: tuple[str, ...] | None
) -> shapes.CohortFrames:
    """The evaluations (of ``cohort``, or all) and their criteria, metrics and overrides."""
    ev, metrics = schema.evaluations, schema.metrics
    in_cohort = sa.select(ev.c.id).where(ev.c.cohort == cohort)

    def where(key: sa.Column[Any]) -> list[Any]:
        return [] if cohort is None else [key.in_(in_cohort)]

    metric_where = where(metrics.c.evaluation_id)
    if metric_checks is not None:
        metric_where.append(metrics.c.check_id.in_(metric_checks))
    return shapes.normalise(
        shapes.CohortFrames(
            evaluations=_table(conn, ev, shapes.EVALUATION_COLUMNS, where(ev.c.id)),
            criteria=_grouped(
                conn,
                schema.criteria,
                shapes.CRITERION_COLUMNS,
                where(schema.criteria.c.evaluation_id),
            ),
            metrics=_table(conn, metrics, shapes.METRIC_COLUMNS, metric_where),
            overrides=_table(
                conn,
                schema.overrides,
                shapes.OVERRIDE_COLUMNS,
                where(schema.overrides.c.evaluation_id),
            ),
            thresholds=shapes.empty(shapes.THRESHOLD_COLUMNS),
        )
    )


def _rows(conn: Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the driver returns them (tuples of plain values)."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    params: Any = (
        tuple(values[name] for name in compiled.positiontup or ())
        if compiled.positional
        else values
    )
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _table(
    conn: Connection, table: sa.Table, columns: tuple[str, ...], where: list[Any]
) -> pd.DataFrame:
    query = sa.select(*(_raw(conn, table.c[name]) for name in columns)).where(*where)
    rows = _rows(conn, query)
    return pd.DataFrame(rows, columns=list(columns)) if rows else shapes.empty(columns)


def _grouped(
    conn: Connection, table: sa.Table, columns: tuple[str, ...], where: list[Any]
) -> pd.DataFrame:
    """``columns`` of ``table``, the first an evaluation id and the others few distinct
    combinations of text: read as one row per combination (see the module's note)."""
    key, *texts = (table.c[name] for name in columns)
    ids = sa.func.aggregate_strings(sa.cast(key, sa.Text), ",")
    rows = _rows(conn, sa.select(*texts, ids).where(*where).group_by(*texts))
    if not rows:
        return shapes.empty(columns)
    keys = [np.array(row[-1].split(","), dtype=np.int64) for row in rows]
    # Categories are made from the combinations (a few rows), then repeated by code.
    combinations = pd.DataFrame([row[:-1] for row in rows], columns=columns[1:])
    combinations = combinations.astype(dict.fromkeys(columns[1:], "category"))
    repeated = np.repeat(np.arange(len(rows)), [len(k) for k in keys])
    frame = combinations.iloc[repeated].reset_index(drop=True)
    frame.insert(0, columns[0], np.concatenate(keys))
    # The order of the rows as stored (by evaluation), whatever order the groups came in.
    return frame.sort_values(columns[0], kind="stable", ignore_index=True)


def _raw(conn: Connection, column: sa.Column[Any]) -> Any:
    """SQLite timestamps as their text: pandas parses 100k of them in one go, far faster
    than SQLAlchemy's per-row conversion."""
    if conn.dialect.name == "sqlite" and isinstance(column.type, sa.DateTime):
        return sa.type_coerce(column, sa.String).label(column.name)
    return column
