"""`FindingTable`: findings kept as rows give exactly the findings a tuple of them would (the
fingerprint hashed from its parts when a finding is read), count without making them, and
travel to and from a worker process as plain data."""

from __future__ import annotations

import pickle
from itertools import islice

from readiness.evidence.records import (
    Evidence,
    Finding,
    FindingFields,
    Findings,
    FindingTable,
    fingerprint,
)
from readiness.metrics import MetricTable, finding_counts, finding_indices, iter_finding_indices

ROWS: list[FindingFields] = [
    ("t", "R1", "high", "one", "a.py:1", "", "", ("R1", "a.py:1", "", "k=v"), False, True, ()),
    ("t", "R2", "low", "two", "b.py:2", "", "", "given", True, True, ()),
    ("t", "R1", "high", "three", "c.py:3", "", "", ("R1", "c.py:3", ""), False, False, ()),
]
FINDINGS = (
    Finding("t", "R1", "high", "one", "a.py:1", fingerprint=fingerprint("R1", "a.py:1", "", "k=v")),
    Finding("t", "R2", "low", "two", "b.py:2", fingerprint="given", suppressed=True),
    Finding(
        "t", "R1", "high", "three", "c.py:3", fingerprint=fingerprint("R1", "c.py:3", ""), new=False
    ),
)


def test_a_table_reads_as_the_tuple_of_its_findings() -> None:
    """Indexing, slicing, iterating and equality give the findings, fingerprints hashed."""
    table = FindingTable(ROWS)
    assert len(table) == 3
    assert table[0] == FINDINGS[0]
    assert table[-1] == FINDINGS[2]
    assert table[1:] == FINDINGS[1:]
    assert list(table) == list(FINDINGS)
    assert table == FINDINGS
    assert table == FindingTable(FindingTable.fields(f) for f in FINDINGS)
    assert table != FINDINGS[:2]
    assert FindingTable() == ()


def test_a_table_counts_as_its_findings_do() -> None:
    """Counts and the indices a criterion lists are those of the same findings in a tuple."""
    table = Findings("t", FindingTable(ROWS))
    plain = Findings("t", FINDINGS)
    assert finding_counts(table) == finding_counts(plain)
    assert finding_counts(table)["findings.high"] == 2
    for key in ("findings.high", "findings.new.high", "findings.total", "findings.low"):
        assert finding_indices(table, key) == finding_indices(plain, key)


def test_the_indices_listed_lazily_are_the_first_of_all_of_them() -> None:
    """A report lists the first findings behind a criterion: taken lazily, they are the first
    of the full list, in order, and stop where the caller stops (a scan's 200,000)."""
    rows = [ROWS[i % 3] for i in range(30_000)]
    table = Findings("t", FindingTable(rows))
    for key in ("findings.high", "findings.new.high", "findings.total", "findings.low"):
        everything = finding_indices(table, key)
        assert list(iter_finding_indices(table, key)) == everything
        assert list(islice(iter_finding_indices(table, key), 200)) == everything[:200]
    assert finding_counts(table)["findings.high"] == 20_000
    assert finding_counts(table)["findings.suppressed"] == 10_000


def test_the_metrics_of_counts_given_are_those_counted() -> None:
    """The pipeline counts a scan's findings once and gives the counts to the metric table:
    the same metrics as the table counting them itself."""
    evidence = {"scan": Evidence("scan", "sarif", "ok", record=Findings("t", FindingTable(ROWS)))}
    counts = {"scan": finding_counts(Findings("t", FINDINGS))}
    assert MetricTable.build(evidence, counts) == MetricTable.build(evidence)
    assert MetricTable.build(evidence).by_name["scan.findings.high"].value == 2


def test_a_table_pickles_as_its_rows() -> None:
    """What a worker process sends back is the rows: the same findings on the other side."""
    table = FindingTable(ROWS)
    again = pickle.loads(pickle.dumps(table))  # noqa: S301 - our own data
    assert again == table and again.rows() == ROWS
