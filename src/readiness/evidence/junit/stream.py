"""Safe streaming of one XML evidence file through libxml2 (lxml's parser-target interface).

No tree is built: the target's `start`/`end`/`data` callbacks see each event once, so memory
does not grow with the document, and libxml2 keeps the cost linear in the input size (expat, as
bundled with CPython, re-parsed a large attribute once per buffer refill: an 8 MB attribute took
30 s, a 20 MB one over 4 minutes). libxml2 caps any single token at 10 MB (`huge_tree=False`):
a larger attribute or name is refused with a clear error instead of being read.

Hardened as defusedxml hardens a parser, and stricter: any DOCTYPE is refused outright (no
JUnit producer writes one), so no entity can be declared, expanded or fetched; entity
resolution, DTD loading and network access are off in libxml2 as a second line. The target
refuses elements nested deeper than MAX_DEPTH (it keeps the depth anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from readiness.errors import EvidenceError

CHUNK = 1 << 18  # 256 KiB: what the target holds between chunks stays small
HEAD = 1 << 20  # the prolog searched for a refused DOCTYPE's line
MAX_DEPTH = 256  # libxml2's own default limit without XML_PARSE_HUGE
TOKEN_LIMIT_MB = 10  # libxml2's XML_MAX_TEXT_LENGTH without XML_PARSE_HUGE


class Source(Protocol):
    """What `stream` reads: a binary file, or parts of one (`split`)."""

    def read(self, size: int, /) -> bytes: ...


class Target(Protocol):
    """What `stream` drives: lxml's parser-target callbacks (ElementTree's TreeBuilder API)."""

    def start(self, tag: str, attrib: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def data(self, text: str) -> None: ...

    def close(self) -> None: ...


_DOCTYPE_REFUSED = (
    "refused: the file contains a DOCTYPE (DTDs, entity declarations and external "
    "references are not allowed in evidence)"
)


def _refuse_doctype(*_args: object) -> None:
    raise EvidenceError(_DOCTYPE_REFUSED)


class _Callbacks:
    """The target's bound methods plus the DOCTYPE refusal: lxml calls them directly, with no
    wrapper call per event."""

    def __init__(self, target: Target) -> None:
        self.start = target.start
        self.end = target.end
        self.data = target.data
        self.close = target.close
        self.doctype = _refuse_doctype


def _syntax_reason(exc: Any) -> str:
    message = str(getattr(exc, "msg", "") or exc).splitlines()[0]
    message = message.split(", line ", 1)[0].strip()
    if "XML_PARSE_HUGE" in message or "limit exceeded" in message.lower():
        return (
            f"an attribute, name or other token is larger than the {TOKEN_LIMIT_MB} MB the XML "
            "parser reads"
        )
    return message or "invalid XML"


def stream(
    fh: Source, target: Target, shown: str, between: Callable[[], None] | None = None
) -> None:
    """Feed one file to `target` in chunks, calling `between` after each; EvidenceError (with
    the line when known) on error."""
    from lxml import etree  # lazy: only when JUnit evidence is read, never for validate

    guard: Any = _Callbacks(target)  # lxml's stubs want every optional callback
    parser = etree.XMLParser(
        target=guard,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    head: list[bytes] = []  # the chunks up to HEAD, joined on the error path only
    kept = 0
    try:
        while chunk := fh.read(CHUNK):
            if kept < HEAD:
                head.append(chunk)
                kept += len(chunk)
            parser.feed(chunk)
            if between is not None:
                between()
        parser.close()
    except EvidenceError as exc:
        line = exc.line
        prolog = b"".join(head)
        at = prolog.find(b"<!DOCTYPE") if exc.reason == _DOCTYPE_REFUSED else -1
        if at >= 0:  # the target cannot ask libxml2 where it is: find the line in the prolog
            line = prolog.count(b"\n", 0, at) + 1
        raise EvidenceError(exc.reason, path=shown, line=line) from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        raise EvidenceError(
            f"malformed XML: {_syntax_reason(exc)}", path=shown, line=line
        ) from None
