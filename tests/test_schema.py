"""`readiness schema`: the JSON Schema describes the files people write. Every bundled file
validates against it, every property has a description, and what it refuses the loader refuses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from helpers import REPO, STANDARD_CHECK, STANDARD_DEFINITION, STANDARD_GATE
from readiness.cli import cli
from readiness.yamlio import load_text

KINDS = {"definitions": "definition", "gates": "gate", "checks": "check"}


def _schema(kind: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema", kind])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def _as_json(value: Any) -> Any:
    """YAML data as an editor's schema validator sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _bundled() -> list[tuple[str, Path]]:
    return [
        (kind, p) for folder, kind in KINDS.items() for p in sorted((REPO / folder).glob("*.yaml"))
    ]


@pytest.mark.parametrize(("kind", "path"), _bundled(), ids=lambda v: getattr(v, "name", v))
def test_every_bundled_file_validates_against_the_schema(kind: str, path: Path) -> None:
    """The 11 bundled files (and the tests' standard project) are valid by the schema."""
    data = _as_json(load_text(path.read_text(), path.name).data)
    errors = list(Draft202012Validator(_schema(kind)).iter_errors(data))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize(
    ("kind", "text"),
    [("gate", STANDARD_GATE), ("check", STANDARD_CHECK), ("definition", STANDARD_DEFINITION)],
)
def test_the_tests_standard_project_validates(kind: str, text: str) -> None:
    """The small project most tests build is valid by the schema too."""
    data = _as_json(load_text(text, kind).data)
    assert not list(Draft202012Validator(_schema(kind)).iter_errors(data))


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = list(schema.get("properties", {}).items())
    for name, sub in schema.get("$defs", {}).items():
        out += [(f"{name}.{k}", v) for k, v in sub.get("properties", {}).items()]
    return out


@pytest.mark.parametrize("kind", sorted(KINDS.values()))
def test_every_property_has_a_description(kind: str) -> None:
    """An editor shows a description for every key of every file type."""
    missing = [name for name, prop in _properties(_schema(kind)) if not prop.get("description")]
    assert not missing


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("gate", STANDARD_GATE.replace("pass-rate\n", "pass-rate\n    threshhold: 1\n", 1)),
        ("gate", STANDARD_GATE.replace('"== 0"', '"zero"')),
        ("check", STANDARD_CHECK + "max-age: -5\n"),
        ("definition", STANDARD_DEFINITION.replace("stage: internal", "stage: beta")),
    ],
)
def test_what_the_schema_refuses_the_loader_refuses(tmp_path: Path, kind: str, text: str) -> None:
    """A misspelt key, a threshold that is no threshold, a negative age, an unknown stage: both
    the schema and `readiness validate` refuse them."""
    data = _as_json(load_text(text, kind).data)
    assert list(Draft202012Validator(_schema(kind)).iter_errors(data))
    from helpers import Project, make_standard
    from readiness.errors import DefinitionError
    from readiness.pipeline import load

    p = make_standard(Project(tmp_path))
    p.write(
        {
            "gate": "gates/tests.yaml",
            "check": "checks/unit-tests.yaml",
            "definition": "definitions/demo.yaml",
        }[kind],
        text,
    )
    with pytest.raises(DefinitionError):
        load(p.root / "definitions/demo.yaml")
