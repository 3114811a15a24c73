"""What a new user writing a definition is told: `readiness kinds K` prints each option's
meaning, unit and default; a MISSING metric names the closest metrics the evidence has."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import FIXTURES, Project, invoke
from readiness.cli import cli
from readiness.evidence import registry


@pytest.mark.parametrize("kind", registry.known_kinds())
def test_every_option_has_a_description_and_kinds_prints_it(kind: str) -> None:
    """Each adapter option has a description, and `readiness kinds KIND` prints its key, its
    default and the first words of its meaning."""
    props = registry.get(kind).Params.model_json_schema(by_alias=True).get("properties", {})
    out = CliRunner().invoke(cli, ["kinds", kind]).output
    for key, prop in props.items():
        assert prop.get("description"), f"{kind}: option {key} has no description"
        (line,) = [ln for ln in out.splitlines() if ln.strip().startswith(f"{key}:")]
        default = prop.get("default")
        assert line.endswith(f"default: {'none' if default is None else default}")
        first_words = " ".join(prop["description"].split()[:4])
        assert first_words in " ".join(out.split())
    if not props:
        assert "options: none" in out


def test_kinds_locust_gives_units() -> None:
    """`readiness kinds locust` names the unit of each option and how request names map to
    metric keys."""
    out = CliRunner().invoke(cli, ["kinds", "locust"]).output
    assert "min-duration: number > 0, in s; default: none" in out
    assert "max-failure-ratio: number >= 0 <= 100, in %; default: 10.0" in out
    assert "window: integer >= 1 <= 2678400, in s; default: 10" in out
    assert 'requests["<METHOD> <name>"]' in out
    assert "module docstring" not in out


def test_missing_metric_suggests_the_closest_names(project: Project) -> None:
    """A criterion on `requests["POST /orders"]` when Locust recorded `POST POST /orders`
    (the method written into the name) is MISSING with that name first among the suggestions,
    not an arbitrary alphabetical few."""
    text = (FIXTURES / "locust" / "stale" / "run_stats.csv").read_text()
    project.write("run_stats.csv", text.replace("POST,/orders", "POST,POST /orders"))
    project.write("checks/load.yaml", "schema: 1\nid: load\nkind: locust\nevidence: 'run*'\n")
    project.write(
        "gates/perf.yaml",
        """
        schema: 1
        id: perf
        criteria:
          - {id: orders, metric: 'load.requests["POST /orders"].p99', pass: "<= 50 ms"}
        """,
    )
    project.write(
        "definitions/d.yaml",
        "schema: 1\nrelease: r\nversion: '1'\nstage: mvp\nchecks: [load]\ngates: [perf]\n",
    )
    r = invoke(["evaluate", "definitions/d.yaml", "--json", "out.json"], project.root)
    assert r.code == 1, r.err
    (crit,) = json.loads((project.root / "out.json").read_text())["criteria"]
    assert crit["status"] == "MISSING"
    assert crit["message"].startswith(
        "the evidence of load has no metric matching 'load.requests[\"POST /orders\"].p99' "
        '(did you mean requests["POST POST /orders"].p99, '
    )
    assert "`readiness metrics` lists them all" in crit["message"]


def test_passing_glob_reports_its_real_worst(project: Project) -> None:
    """When every endpoint passes, a glob criterion reports the endpoint closest to failing (the
    highest p99 under `<=`, the lowest rate over `>=`), not the first name alphabetically."""
    rows = (FIXTURES / "locust" / "stale" / "run_stats.csv").read_text().splitlines()
    cells = rows[2].split(",")  # POST /orders: p99 (column 18) above GET /book's 120 ms
    assert cells[1] == "/orders"
    cells[18] = "300"
    rows[2] = ",".join(cells)
    project.write("run_stats.csv", "\n".join(rows) + "\n")
    project.write("checks/load.yaml", "schema: 1\nid: load\nkind: locust\nevidence: 'run*'\n")
    project.write(
        "gates/perf.yaml",
        """
        schema: 1
        id: perf
        criteria:
          - {id: p99, metric: 'load.requests["*"].p99', pass: "<= 1 s"}
          - {id: rate, metric: 'load.requests["*"].rps', pass: ">= 1 /s"}
        """,
    )
    project.write(
        "definitions/d.yaml",
        "schema: 1\nrelease: r\nversion: '1'\nstage: mvp\nchecks: [load]\ngates: [perf]\n",
    )
    r = invoke(["evaluate", "definitions/d.yaml", "--json", "out.json"], project.root)
    assert r.code == 0, r.out + r.err
    crits = {
        c["criterion"]: c for c in json.loads((project.root / "out.json").read_text())["criteria"]
    }
    assert crits["perf.p99"]["status"] == "PASS"
    assert crits["perf.p99"]["matched"] == 'load.requests["POST /orders"].p99'
    assert crits["perf.p99"]["value"] == 300
    assert crits["perf.rate"]["matched"] == 'load.requests["GET /book"].rps'
