"""`kinds` and `schema`: what readiness reads and accepts, described for people and editors."""

from __future__ import annotations

import json
from typing import Any


def kinds(kind: str | None) -> str:
    """What each evidence kind (or `kind` only) reads, its options and its record type."""
    import inspect as pyinspect

    from readiness.evidence import registry

    out: list[str] = []
    for name in [kind] if kind else registry.known_kinds():
        adapter = registry.get(name)
        doc = pyinspect.getdoc(type(adapter)) or "(no description)"
        out.append(f"{name}  (record: {adapter.record})")
        out.append("\n".join(f"    {line}" for line in doc.splitlines()))
        options = adapter.Params.model_json_schema(by_alias=True).get("properties", {})
        if options:
            out.append("    options (under the check's `options:`):")
            out += [_option_text(key, options[key]) for key in sorted(options)]
        else:
            out.append("    options: none")
        out.append("")
    return "".join(line + "\n" for line in out)


def _option_text(key: str, prop: dict[str, Any]) -> str:
    """One adapter option for `readiness kinds`: type, bounds, unit and default on the first
    line, then its meaning, wrapped."""
    import textwrap

    kinds = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    spec = kinds[0] if kinds else prop
    if "enum" in spec:
        what = "one of " + ", ".join(str(v) for v in spec["enum"])
    else:
        what = {"integer": "integer", "number": "number", "boolean": "true/false"}.get(
            str(spec.get("type")), str(spec.get("type", "value"))
        )
        for bound, op in (("exclusiveMinimum", ">"), ("minimum", ">="), ("maximum", "<=")):
            if bound in spec:
                limit = spec[bound]
                what += f" {op} {limit}" if isinstance(limit, int) else f" {op} {limit:g}"
    if prop.get("unit"):
        what += f", in {prop['unit']}"
    default = prop.get("default")
    what += "; default: " + ("none" if default is None else str(default))
    meaning = textwrap.fill(
        str(prop.get("description", "(no description)")),
        width=96,
        initial_indent=" " * 8,
        subsequent_indent=" " * 8,
    )
    return f"      {key}: {what}\n{meaning}"


SCHEMA_KINDS = ("definition", "gate", "check")


def schema(kind: str) -> str:
    """The JSON Schema of definition, gate or check files."""
    from pydantic import BaseModel

    from readiness.definition import CheckSpec, Definition, GateSpec

    models: dict[str, type[BaseModel]] = {
        "definition": Definition,
        "gate": GateSpec,
        "check": CheckSpec,
    }
    from readiness.schema import json_schema

    data = json_schema(models[kind])
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(data, indent=2, sort_keys=True)
