"""Locust load-test evidence -> LoadStats (see `adapter` for the sources of each number).

`adapter` holds the adapter; the readers beside it are `csv` (`--csv` files), `json`
(`--json-file`) and `hdr` (the HdrHistogram interval log), with what they share in `common`;
`steady` cuts the steady state into windows and `checks` cross-checks the readers' results.
Nothing here imports Locust or gevent, and `hdrh` only once an `.hlog` file is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.evidence.locust.adapter import LocustAdapter

if TYPE_CHECKING:
    from readiness.evidence.locust.params import LocustParams


def __getattr__(name: str) -> object:
    """`LocustParams`, imported on first use (pydantic: only to validate options)."""
    if name == "LocustParams":
        from readiness.evidence.locust import params

        return params.LocustParams
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LocustAdapter", "LocustParams"]
