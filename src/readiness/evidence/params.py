"""The pydantic base of adapters' options, imported only to validate options.

Every built-in adapter keeps its `Params` model in a module of its own (`junit/params.py`, ...)
and names it lazily (`base.LazyParams`), with its defaults as a plain dataclass beside the
adapter (`base.Adapter.defaults`): reading evidence with the default options, as `readiness
inspect` does, imports no pydantic. A test holds each built-in's defaults equal to `Params()`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AdapterParams(BaseModel):
    """Base of every adapter's options: strict (an unknown option is an error), immutable, and
    kebab-case in YAML (`min-tests`), snake_case in Python."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=lambda s: s.replace("_", "-"),
        validate_by_name=True,
        validate_by_alias=True,
    )


class NoParams(AdapterParams):
    """An adapter without options."""
