"""The evaluation store, the same tests on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from history_helpers import criterion, record
from readiness.errors import StoreError
from readiness.history.models import CriterionRow, EvidenceRow, GovernanceRow, SeriesRow
from readiness.history.record import SeriesRecord, StoredEvaluation
from readiness.history.store import Store, open_store

T0 = 1_800_000_000.0


def _engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


def test_round_trip_keeps_every_field(store: Store) -> None:
    """What `record` writes, `get` gives back field for field, series values bit for bit."""
    series = (
        SeriesRecord("load.p99", "ms", 1.0, (0.1, 1e-300, 8.125, 1e300, -0.0)),
        SeriesRecord("load.rps", "1/s", 5.0, ()),
    )
    rec = record(
        verdict="CONDITIONAL GO",
        series=series,
        criteria=(criterion(), criterion("tests/missing", status="MISSING", value=None, unit="")),
    )
    rec = dataclasses.replace(rec, commit=None, branch=None, ci_run=None, attestation_digest="x")
    eid = store.record(rec)
    got = store.get(eid)
    assert isinstance(got, StoredEvaluation)
    assert got.id == eid
    assert got == StoredEvaluation(
        **{f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}, id=eid
    )
    assert got.series_for("load.p99") == series[0]
    assert got.criterion("tests/missing") is not None


def test_get_of_an_unknown_id_names_it(store: Store) -> None:
    """Asking for an evaluation that does not exist is a StoreError naming the id."""
    with pytest.raises(StoreError, match="has no evaluation 999"):
        store.get(999)


def test_list_is_newest_first_filtered_and_bounded(store: Store) -> None:
    """list orders by time, newest first, filters by release and stage, and stops at last."""
    ids = [
        store.record(record(version=f"v{i}", epoch=T0 + i, stage="beta" if i % 2 else "ga"))
        for i in range(6)
    ]
    store.record(record(release="other", epoch=T0 + 100))
    assert [e.id for e in store.list(release="2026.12")] == ids[::-1]
    assert [e.version for e in store.list(release="2026.12", last=2)] == ["v5", "v4"]
    assert [e.version for e in store.list(release="2026.12", stage="beta")] == ["v5", "v3", "v1"]
    assert store.list()[0].release == "other"
    assert len(store.list(last=3)) == 3
    assert all(len(e.criteria) == 2 for e in store.list())


def test_baseline_is_the_latest_passing_evaluation_at_the_same_stage(store: Store) -> None:
    """The baseline is the latest GO or CONDITIONAL GO of the release at the stage; a NO-GO,
    another stage or another release never is; it can be pinned to a version or a time."""
    store.record(record(version="v1", verdict="GO", epoch=T0 + 1))
    store.record(record(version="v2", verdict="NO-GO", epoch=T0 + 2))
    store.record(record(version="v3", verdict="CONDITIONAL GO", epoch=T0 + 3))
    store.record(record(version="v4", verdict="GO", epoch=T0 + 4, stage="ga"))
    store.record(record(version="v5", verdict="NO-GO", epoch=T0 + 5))
    store.record(record(version="v6", verdict="GO", epoch=T0 + 6, release="other"))

    def version(version: str | None = None, before_epoch: float | None = None) -> str | None:
        found = store.baseline("2026.12", "beta", version=version, before_epoch=before_epoch)
        return None if found is None else found.version

    assert version() == "v3"
    assert version(version="v1") == "v1"
    assert version(version="v2") is None  # a NO-GO never becomes a baseline
    assert version(before_epoch=T0 + 3) == "v1"
    assert store.baseline("2026.12", "ga") is not None
    assert store.baseline("2026.12", "alpha") is None
    assert store.baseline("nope", "beta") is None


def test_no_go_only_history_has_no_baseline(store: Store) -> None:
    """Failed evaluations alone never give a baseline."""
    store.record(record(verdict="NO-GO"))
    assert store.baseline("2026.12", "beta") is None


def test_criterion_series_is_newest_first_and_skips_absent(store: Store) -> None:
    """A criterion's trend: value, status, unit and threshold per evaluation, newest first;
    evaluations without that criterion are skipped; last bounds it; stage filters it."""
    for i in range(5):
        crits = (criterion(value=float(i)),) if i != 2 else (criterion("tests/count"),)
        store.record(record(version=f"v{i}", epoch=T0 + i, criteria=crits))
    store.record(record(version="ga", epoch=T0 + 9, stage="ga", criteria=(criterion(value=9.0),)))
    points = store.criterion_series("2026.12", "perf/p99", 3, stage="beta")
    assert [(p.version, p.value, p.status, p.unit, p.threshold) for p in points] == [
        ("v4", 4.0, "PASS", "ms", "<= 10 ms"),
        ("v3", 3.0, "PASS", "ms", "<= 10 ms"),
        ("v1", 1.0, "PASS", "ms", "<= 10 ms"),
    ]
    assert store.criterion_series("2026.12", "perf/p99", 1)[0].version == "ga"
    assert store.criterion_series("2026.12", "no/such", 5) == []


def _count(url: str, table: type) -> int:
    engine = create_engine(_engine_url(url))
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return int(n)


def test_prune_keep_keeps_the_newest_per_release_and_every_baseline(
    store: Store, store_url: str
) -> None:
    """keep=N keeps each release line's newest N, never deletes the baseline of a stage, and
    takes criteria, evidence, series and governance rows with the evaluations."""
    store.record(record(version="base", verdict="GO", epoch=T0))
    for i in range(1, 6):
        store.record(
            record(
                version=f"v{i}",
                verdict="NO-GO",
                epoch=T0 + i,
                series=(SeriesRecord("m", "ms", 1.0, (1.0,)),),
            )
        )
    store.record(record(release="other", verdict="NO-GO", epoch=T0 - 10))
    assert store.prune(keep=2) == 3
    assert [e.version for e in store.list(release="2026.12")] == ["v5", "v4", "base"]
    assert len(store.list(release="other")) == 1
    for table, per in ((CriterionRow, 2), (EvidenceRow, 1), (GovernanceRow, 2)):
        assert _count(store_url, table) == 4 * per
    assert _count(store_url, SeriesRow) == 2


def test_prune_older_than_and_both(store: Store) -> None:
    """older_than deletes what is older; with keep too, only what both condemn goes."""
    for i in range(6):
        store.record(record(version=f"v{i}", verdict="NO-GO", epoch=T0 + i))
    assert store.prune(keep=5, older_than_epoch=T0 + 3) == 1  # only v0: beyond 5 and old
    assert store.prune(older_than_epoch=T0 + 3) == 2  # v1, v2
    assert [e.version for e in store.list()] == ["v5", "v4", "v3"]
    assert store.prune() == 0


def test_ids_are_never_reused_after_prune(store: Store) -> None:
    """An id pruned away is never given to a later evaluation (`--baseline ID` stays true)."""
    store.record(record(verdict="NO-GO", epoch=T0))
    last = store.record(record(verdict="NO-GO", epoch=T0 + 1))
    assert store.prune(keep=0) == 2
    assert store.record(record(epoch=T0 + 2)) > last


def test_set_attestation(store: Store) -> None:
    """The attestation digest is recorded on the evaluation; an unknown id is an error."""
    eid = store.record(record())
    store.set_attestation(eid, "sha256:" + "0" * 64)
    assert store.get(eid).attestation_digest == "sha256:" + "0" * 64
    with pytest.raises(StoreError, match="has no evaluation"):
        store.set_attestation(eid + 100, "x")


def test_reopening_keeps_history(store_url: str, tmp_path: Path) -> None:
    """A store opened again (already at head) has what was recorded before."""
    with open_store(store_url, tmp_path) as s:
        eid = s.record(record())
    with open_store(store_url, tmp_path) as s:
        assert s.get(eid).version == "2026.12.0"


def test_a_newer_schema_is_refused(store_url: str, tmp_path: Path) -> None:
    """A store migrated by a newer readiness is refused with "upgrade readiness"."""
    open_store(store_url, tmp_path).close()
    engine = create_engine(_engine_url(store_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError) as caught:
        open_store(store_url, tmp_path)
    message = str(caught.value)
    assert "schema revision 9999" in message
    assert "knows up to 0003: upgrade readiness" in message
    assert "\n" not in message


def test_the_migrations_make_exactly_the_models(store_url: str, tmp_path: Path) -> None:
    """Migrating an empty store to head gives the tables, columns and indexes of the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from readiness.history.models import Base

    open_store(store_url, tmp_path).close()
    engine = create_engine(_engine_url(store_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
