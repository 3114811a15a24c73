"""The one module that touches YAML: safe loading that keeps line numbers for error messages.

Only the YAML 1.1 core types of `yaml.SafeLoader` are constructed (no Python tags). Aliases are
refused (an alias bomb expands exponentially once a validator walks it), duplicate keys are an
error (PyYAML would silently keep the last one) and files are size-capped. Nesting deeper than
MAX_DEPTH is refused before PyYAML's recursive composer can exhaust the stack, and a scalar that
does not fit its type (`2026-02-30`, a 5,000-digit integer) is a located error, never a
ValueError. Locating a problem looks keys up in an index built once per mapping, so reporting
thousands of problems stays linear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from readiness.errors import DefinitionError

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64  # no readiness file needs more; PyYAML's composer recurses ~3 frames a level
MAX_QUOTE = 60
ID_KEYS = ("id", "criterion", "role", "check", "release")


if TYPE_CHECKING:  # the composer's event methods come from the parser it is mixed with
    _ComposerBase = yaml.SafeLoader
else:
    _ComposerBase = yaml.composer.Composer


class _Composer(_ComposerBase):
    """PyYAML's composer refusing aliases and too-deep nesting while composing."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML aliases (*name) are not allowed in readiness files",
                event.start_mark,
            )
        if self.depth >= MAX_DEPTH:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser  # type: ignore[attr-defined]  # not re-exported in stubs

    class _Loader(_Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's scanner and parser (C) under the Python composer above: the same nodes,
        marks and checks as the pure-Python SafeLoader, about three times faster."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Loader(_Composer, yaml.SafeLoader):  # type: ignore[no-redef]
        """The pure-Python SafeLoader under the composer above."""


@dataclass(frozen=True)
class SourceDoc:
    """A loaded YAML file: its data and its node tree, to locate any path in it."""

    path: str  # as shown to the user (relative to the project root when possible)
    data: Any
    root: yaml.Node | None
    # id(mapping node) -> {key: value node}, built on first look-up of each mapping
    _keys: dict[int, dict[str, yaml.Node]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _child(self, node: yaml.Node | None, part: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            index = self._keys.get(id(node))
            if index is None:
                index = {}
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        index.setdefault(key.value, value)
                self._keys[id(node)] = index
            return index.get(str(part))
        return _child(node, part)

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """1-based line of the node at `loc`, or of its nearest existing ancestor."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            child = self._child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def path_of(self, loc: tuple[str | int, ...]) -> str:
        """A readable path made of ids: `criteria[pass-rate].pass` rather than `criteria.3.pass`."""
        out = ""
        data = self.data
        for part in loc:
            if isinstance(part, int):
                label = str(part)
                if isinstance(data, list) and 0 <= part < len(data):
                    item = data[part]
                    if isinstance(item, dict):
                        for key in ID_KEYS:
                            if isinstance(item.get(key), str | int):
                                label = str(item[key])
                                break
                    elif isinstance(item, str | int):
                        label = str(item)
                    data = item
                elif isinstance(data, str | int) and part == 0:
                    label = str(data)  # a scalar given where a one-item list is accepted
                    data = None
                else:
                    data = None
                out += f"[{label}]"
            else:
                out += f".{part}" if out else str(part)
                data = data.get(part) if isinstance(data, dict) else None
        return out

    def where(self, loc: tuple[str | int, ...] = ()) -> str:
        """`file:line path` for messages."""
        line = self.line_of(loc)
        head = f"{self.path}:{line}" if line is not None else self.path
        p = self.path_of(loc)
        return f"{head} {p}" if p else head


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value  # type: ignore[no-any-return]
        return None
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part]  # type: ignore[no-any-return]
    return None


_PLAIN_TAGS: dict[type[yaml.Node], str] = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


def _construct(loader: _Loader, node: yaml.Node, where: str) -> Any:
    expected = _PLAIN_TAGS.get(type(node))
    if expected is not None and node.tag != expected:
        raise DefinitionError(
            f"{where}:{node.start_mark.line + 1}: unsupported YAML tag {node.tag!r} "
            "(only plain YAML is allowed)"
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise DefinitionError(
                    f"{where}:{key_node.start_mark.line + 1}: mapping keys must be plain scalars"
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise DefinitionError(
                    f"{where}:{key_node.start_mark.line + 1}: merge keys (<<) are not allowed"
                )
            key = _scalar(loader, key_node, where)
            if key in out:
                raise DefinitionError(
                    f"{where}:{key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            out[key] = _construct(loader, value_node, where)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, child, where) for child in node.value]
    return _scalar(loader, node, where)


def _scalar(loader: _Loader, node: yaml.Node, where: str) -> Any:
    """A scalar's value; a located error when it does not fit its type (`2026-02-30`)."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        text = str(node.value)
        shown = text if len(text) <= MAX_QUOTE else f"{text[: MAX_QUOTE - 1]}… ({len(text)} chars)"
        reason = str(exc).split(";")[0].split(":")[0][:100]
        raise DefinitionError(
            f"{where}:{node.start_mark.line + 1}: {shown!r} does not fit its type ({reason})"
        ) from None


def load_text(text: str, display_path: str) -> SourceDoc:
    """Parse one YAML document safely; every error names the file and line."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else _construct(loader, root, display_path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem:  # libyaml's scanner looks ahead past MAX_DEPTH
            problem = f"nested deeper than {MAX_DEPTH} levels"
        raise DefinitionError(f"{display_path}{line}: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character: located by its line
        at = text.count("\n", 0, max(exc.position, 0)) + 1
        raise DefinitionError(f"{display_path}:{at}: {str(exc).splitlines()[0]}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise DefinitionError(f"{display_path}: {first}") from None
    finally:
        loader.dispose()
    return SourceDoc(display_path, data, root)


def load_file(path: Path, display_path: str) -> SourceDoc:
    """Read and parse a YAML file with a size cap and a clear error for I/O and encoding."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise DefinitionError(
                f"{display_path}: {size} bytes is too large for a readiness file "
                f"(limit {MAX_YAML_BYTES})"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(f"{display_path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DefinitionError(f"{display_path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DefinitionError(f"{display_path}: cannot read ({exc.strerror})") from None
    return load_text(text, display_path)


def dump(data: Any) -> str:
    """Serialize plain data (for records `readiness signoff` appends)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
