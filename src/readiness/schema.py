"""The JSON Schema of definition, gate and check files, for editors (`readiness schema`).

Each field's description is its attribute docstring in `readiness.definition`. pydantic can
read those itself (`use_attribute_docstrings`), but it does so when each model class is
created, re-reading and parsing the module's source for every class: a third of the start-up
of `validate` and `evaluate`, which never show a description. So the models are built
without them, and this module, imported only by `readiness schema`, reads the docstrings
once (ast) and writes them into the schema where pydantic would have: a docstring wins over
a description its type carries, a field's own `description=` wins over the docstring, and the
text is cleaned as pydantic cleans it (inspect.cleandoc). tests/test_schema.py holds the line.
"""

from __future__ import annotations

import ast
import inspect
import itertools
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON Schema by alias, with the attribute docstrings as descriptions."""
    data = model.model_json_schema(by_alias=True)
    docs = _docstrings(Path(inspect.getfile(model)))
    defs = data.get("$defs", {})
    for cls in _models(model):
        target = data if cls is model else defs.get(cls.__name__)
        if target is None:
            continue
        props = target.get("properties", {})
        for name, field in cls.model_fields.items():
            doc = docs.get(cls.__name__, {}).get(name)
            prop = props.get(field.alias or name)
            if doc and prop is not None:
                prop["description"] = doc
    return data


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every model class its schema refers to, with their bases' fields."""
    seen: dict[str, type[BaseModel]] = {}
    todo = [model]
    while todo:
        cls = todo.pop()
        if cls.__name__ in seen:
            continue
        seen[cls.__name__] = cls
        for field in cls.model_fields.values():
            todo.extend(_nested(field.annotation))
    return list(seen.values())


def _nested(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _nested(arg)]


def _docstrings(source: Path) -> dict[str, dict[str, str]]:
    """{class: {field: docstring}}: each annotated attribute followed by a string literal,
    in every class of the module (its bases' included, by the class that declares them)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    for name, node in classes.items():
        docs: dict[str, str] = {}
        for base in _bases(node, classes):
            docs.update(_own(base))
        out[name] = docs
    return out


def _bases(node: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[ast.ClassDef]:
    """The class's bases defined in the module, furthest first, then the class."""
    chain: list[ast.ClassDef] = []
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes:
            chain.extend(_bases(classes[base.id], classes))
    return [*chain, node]


def _described(value: ast.expr | None) -> bool:
    """Whether an attribute's own `Field(description=...)` names its description (it wins
    over the docstring; a description carried by the field's type does not)."""
    return isinstance(value, ast.Call) and any(k.arg == "description" for k in value.keywords)


def _own(node: ast.ClassDef) -> dict[str, str]:
    docs: dict[str, str] = {}
    body = node.body
    for stmt, after in itertools.pairwise(body):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
            and not _described(stmt.value)
        ):
            docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs
