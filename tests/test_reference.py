"""docs/reference.md is complete: every key of every file model, every evidence kind and option,
every metric and every command appears in it, so a new definition can be written from it alone."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from helpers import REPO
from readiness import definition
from readiness.cli import cli
from readiness.evidence import registry
from readiness.metrics import CATALOGUE

REFERENCE = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
CODE = set(re.findall(r"`([^`]+)`", REFERENCE))


def _models() -> list[type[BaseModel]]:
    return [
        m
        for m in vars(definition).values()
        if isinstance(m, type) and issubclass(m, definition.Strict) and m is not definition.Strict
    ]


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_every_file_key_is_in_the_reference(model: type[BaseModel]) -> None:
    """Each key a check, gate or definition file may hold is named (in backticks)."""
    missing = [k for k in _keys(model) if k not in CODE and f"`{k}`" not in REFERENCE]
    assert not missing, f"{model.__name__}: {missing}"


@pytest.mark.parametrize("kind", registry.known_kinds())
def test_every_kind_and_option_is_in_the_reference(kind: str) -> None:
    """Each evidence kind and each of its options, with its default, is described."""
    assert f"`{kind}`" in REFERENCE
    params = registry.get(kind).Params
    for name, field in params.model_fields.items():
        key = field.alias or name.replace("_", "-")
        assert f"`{key}`" in REFERENCE, f"{kind}: option {key}"


def test_every_metric_is_in_the_reference() -> None:
    """Each metric key of each record type is named."""
    for record, keys in CATALOGUE.items():
        for pattern in keys:
            leaf = pattern.split(".")[-1].replace("[*]", "")
            head = pattern.split("[")[0].split(".")[0]
            assert leaf in REFERENCE or f"`{pattern}`" in REFERENCE, f"{record}: {pattern}"
            assert head in REFERENCE, f"{record}: {pattern}"


def test_every_command_is_in_the_reference() -> None:
    """Each command the CLI has is in the commands table."""
    result = CliRunner().invoke(cli, ["--help"])
    commands = re.findall(r"^  (\w[\w-]*)\s", result.output.split("Commands:")[1], re.M)
    assert commands
    for name in commands:
        assert f"`readiness {name}" in REFERENCE, name
