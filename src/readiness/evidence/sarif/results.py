"""Parts of a SARIF result that the per-result loop of `readiness.evidence.sarif` hands off:
its physical location (`file:` URIs as paths), its suppressions, and the package named in a
Trivy vulnerability message.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import unquote

from readiness.evidence._json import MAX_INT, Shape, kind_of

_SUPPRESSION_STATUS: Final = frozenset({"accepted", "underReview", "rejected"})


def trivy_package(text: str) -> tuple[str, str, str]:
    """Package, installed and fixed version from a Trivy vulnerability message."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value.strip()
    return (
        fields.get("Package", ""),
        fields.get("Installed Version", ""),
        fields.get("Fixed Version", ""),
    )


def physical_location(
    shape: Shape, phys: object, artifacts: object, where: str
) -> tuple[str, int | None, str]:
    """(uri, start line, snippet text) of a physicalLocation."""
    if type(phys) is not dict:
        shape.fail(f"{where}.locations[0].physicalLocation must be an object")
    uri = ""
    art = phys.get("artifactLocation")
    if art is not None:
        uri = _artifact_uri(shape, art, artifacts, where)
    line: int | None = None
    snippet = ""
    region = phys.get("region")
    if region is not None:
        line, snippet = _region(shape, region, where)
    return uri, line, snippet


def _artifact_uri(shape: Shape, art: object, artifacts: object, where: str) -> str:
    """An artifactLocation's uri, or that of the run's artifact it indexes; `file:` as a path."""
    if type(art) is not dict:
        shape.fail(f"{where}.locations[0].physicalLocation.artifactLocation must be an object")
    return artifact_uri(shape, art.get("uri"), art.get("index"), artifacts, where)


def artifact_uri(shape: Shape, uri: object, index: object, artifacts: object, where: str) -> str:
    """An artifactLocation's `uri`, else that of the run's artifact at its `index`, else "";
    `file:` URIs as paths."""
    if uri is None:  # an index into run.artifacts instead of a uri
        if type(index) is int and isinstance(artifacts, list) and 0 <= index < len(artifacts):
            entry = artifacts[index]
            loc = entry.get("location") if type(entry) is dict else None
            uri = loc.get("uri") if type(loc) is dict else None
        uri = uri or ""
    if type(uri) is not str:
        shape.fail(f"{where}.locations[0].physicalLocation.artifactLocation.uri must be a string")
    return local_path(uri) if uri.startswith("file:") else uri


def _region(shape: Shape, region: object, where: str) -> tuple[int | None, str]:
    """A region's start line (checked) and snippet text."""
    if type(region) is not dict:
        shape.fail(f"{where}.locations[0].physicalLocation.region must be an object")
    line = region.get("startLine")
    if line is not None and (type(line) is not int or not 0 <= line <= MAX_INT):
        shape.fail(
            f"{where}.locations[0]...region.startLine must be a positive integer "
            f"(got {shape.quote(line)}: out of range or not an integer)"
        )
    snip = region.get("snippet")
    snippet = ""
    if type(snip) is dict and type(snip.get("text")) is str:
        snippet = snip["text"].strip()
    return line, snippet


def local_path(uri: str) -> str:
    """A `file:` URI as a path (Bandit writes `file:///abs/path` for absolute targets)."""
    if uri.startswith("file://"):
        return unquote(uri[7:])
    if uri.startswith("file:"):
        return unquote(uri[5:])
    return uri


def is_suppressed(shape: Shape, sups: object, where: str) -> bool:
    """Suppressed unless a suppression is underReview or rejected (status absent = accepted)."""
    if type(sups) is not list:
        shape.fail(f"{where} must be a list (got {kind_of(sups)})")
    result = True
    for k, sup in enumerate(sups):
        if type(sup) is not dict:
            shape.fail(f"{where}[{k}] must be an object (got {kind_of(sup)})")
        status = sup.get("status")
        if status is None or status == "accepted":
            continue
        if type(status) is not str or status not in _SUPPRESSION_STATUS:
            shape.fail(
                f"{where}[{k}].status {shape.quote(status)} is not accepted, underReview, rejected"
            )
        result = False
    return result
