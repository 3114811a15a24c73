"""Trend lines from the store: every criterion's points in the evaluations before this one, in
one query, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from history_helpers import criterion, record

if TYPE_CHECKING:
    from readiness.history.store import Store

T0 = 1_800_000_000.0


def _seed(store: Store) -> None:
    """Five evaluations of 2026.12 at beta (the third without perf/p99), one at ga, one of
    another release, and one at the epoch of "this" evaluation (T0 + 5)."""
    for i in range(5):
        crits = (
            (criterion(value=float(i), status="FAIL" if i == 1 else "PASS"), criterion("t/n"))
            if i != 2
            else (criterion("t/n", value=7.0, unit="count"),)
        )
        store.record(record(version=f"v{i}", epoch=T0 + i, criteria=crits))
    store.record(record(version="ga", epoch=T0 + 1.5, stage="ga"))
    store.record(record(release="other", version="o", epoch=T0 + 3.5))
    store.record(record(version="this", epoch=T0 + 5))


def test_trends_are_the_last_evaluations_strictly_before_oldest_first(store: Store) -> None:
    """Each criterion's points (version, date, status, value, unit, threshold) in the last N
    evaluations of the release at the stage strictly before the epoch, oldest first; an
    evaluation without a criterion has no point of it; other stages and releases stay out."""
    _seed(store)
    trends = store.trends("2026.12", "beta", 4, before_epoch=T0 + 5)
    assert set(trends) == {"perf/p99", "t/n"}
    assert [(p.version, p.status, p.value, p.unit, p.threshold) for p in trends["perf/p99"]] == [
        ("v1", "FAIL", 1.0, "ms", "<= 10 ms"),
        ("v3", "PASS", 3.0, "ms", "<= 10 ms"),
        ("v4", "PASS", 4.0, "ms", "<= 10 ms"),
    ]
    assert [p.version for p in trends["t/n"]] == ["v1", "v2", "v3", "v4"]
    assert trends["t/n"][1].unit == "count" and trends["t/n"][1].value == 7.0
    assert trends["perf/p99"][0].generated_at.startswith("2027-01-15T08:00:01")
    assert [p.id for p in trends["t/n"]] == [2, 3, 4, 5]


def test_trends_without_a_bound_include_everything_and_empty_is_empty(store: Store) -> None:
    """No epoch bound: the newest evaluations count too; an unknown release has no trend."""
    _seed(store)
    assert [p.version for p in store.trends("2026.12", "beta", 2)["perf/p99"]] == ["v4", "this"]
    assert store.trends("no-such", "beta", 10) == {}
    assert store.trends("2026.12", "beta", 0) == {}


def test_trends_are_one_query_whatever_the_criteria(store: Store) -> None:
    """Fifty criteria over ten evaluations: one SELECT, not one per criterion."""
    crits = tuple(criterion(f"g/c{i}", value=float(i)) for i in range(50))
    for i in range(10):
        store.record(record(version=f"v{i}", epoch=T0 + i, criteria=crits))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(store._engine, "before_cursor_execute", count)
    try:
        trends = store.trends("2026.12", "beta", 10, before_epoch=T0 + 100)
    finally:
        event.remove(store._engine, "before_cursor_execute", count)
    assert len(trends) == 50 and all(len(points) == 10 for points in trends.values())
    assert [s.split()[0].upper() for s in statements if not s.startswith("BEGIN")] == ["SELECT"]
