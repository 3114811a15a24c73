"""`--option KEY=VALUE` on a built-in adapter without pydantic (`base.plain_options`): it
accepts only what pydantic accepts, as the same values, and leaves everything else, errors
included, to pydantic."""

from __future__ import annotations

import dataclasses
from typing import Any

import annotated_types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from readiness.evidence import gather, registry
from readiness.evidence.base import Bound, plain_options

WITH_BOUNDS = sorted(
    k for k in registry.BUILTIN if getattr(getattr(registry.get(k), "defaults", None), "BOUNDS", {})
)


def _pydantic_bound(field: Any) -> Bound:
    """A pydantic field's number type and range, as a Bound."""
    annotation = field.annotation
    kind = int if int in (annotation, *getattr(annotation, "__args__", ())) else float
    limits: dict[str, float] = {}
    for meta in field.metadata:
        for name, cls in (("ge", annotated_types.Ge), ("gt", annotated_types.Gt)):
            if isinstance(meta, cls):
                limits[name] = getattr(meta, name)
        if isinstance(meta, annotated_types.Le):
            limits["le"] = float(meta.le)  # type: ignore[arg-type]  # a number here
    return Bound(kind, **limits)


def test_the_adapters_with_number_options_are_covered() -> None:
    assert WITH_BOUNDS == ["junit", "locust"]


@pytest.mark.parametrize("kind", WITH_BOUNDS)
def test_each_bound_is_its_pydantic_fields(kind: str) -> None:
    """The plain bounds name every number option of `Params`, with its type and range."""
    adapter = registry.get(kind)
    bounds = adapter.defaults.BOUNDS  # type: ignore[attr-defined]
    fields = adapter.Params.model_fields
    numbers = {
        name: f
        for name, f in fields.items()
        if {int, float} & {f.annotation, *getattr(f.annotation, "__args__", ())}
    }
    assert sorted(bounds) == sorted(numbers)
    assert {name: _pydantic_bound(f) for name, f in numbers.items()} == bounds


def _pydantic(kind: str, options: dict[str, str]) -> dict[str, Any] | None:
    try:
        return dict(registry.get(kind).Params.model_validate(options).model_dump())
    except ValidationError:
        return None


KEYS = st.sampled_from(
    [
        "ramp-up",
        "ramp_up",
        "window",
        "max-failure-ratio",
        "max-failure_ratio",
        "min-tests",
        "min_tests",
        "min-duration",
        "target-users",
        "Window",
        "nope",
    ]
)
VALUES = st.one_of(
    st.from_regex(r"\A-?[0-9]{1,4}(\.[0-9]{0,3})?\Z"),
    st.sampled_from(["0", "00", "010", "1e1", " 5", "5 ", "1_0", "+5", "nan", "inf", "", "100.0"]),
    st.sampled_from(["100.5", "101", "0.0", "1.", ".5", "9" * 20, "1." + "0" * 12]),
)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(WITH_BOUNDS), options=st.dictionaries(KEYS, VALUES, max_size=3))
def test_plain_options_are_what_pydantic_makes_of_them(kind: str, options: dict[str, str]) -> None:
    """Whatever the plain path accepts, pydantic accepts as the same values; where it declines
    (None), `params_of` asks pydantic, so an error is pydantic's, word for word."""
    adapter = registry.get(kind)
    plain = plain_options(adapter.defaults, options)  # type: ignore[attr-defined]
    if plain is not None:
        assert dataclasses.asdict(plain) == _pydantic(kind, options)  # type: ignore[call-overload]


def test_inspect_options_read_plainly_or_by_pydantic() -> None:
    """`ramp-up=60` is read without pydantic, as 60.0; `ramp-up=-1` goes to pydantic and
    fails there; `window=010` too, and pydantic accepts it."""
    adapter = registry.get("locust")
    got = gather.params_of("locust", adapter, {"ramp-up": "60", "max-failure-ratio": "2.5"})
    assert type(got) is type(adapter.defaults)  # type: ignore[attr-defined]
    assert (got.ramp_up, got.max_failure_ratio, got.window) == (60.0, 2.5, 10)
    assert isinstance(got.ramp_up, float)
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        gather.params_of("locust", adapter, {"ramp-up": "-1"})
    assert gather.params_of("locust", adapter, {"window": "010"}).window == 10
    assert plain_options(adapter.defaults, {"window": "010"}) is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("ramp-up=inf", "finite number"),
        ("min-duration=inf", "finite number"),
        ("ramp-up=1e309", "finite number"),
        ("window=" + "9" * 400, "less than or equal to 2678400"),
    ],
)
def test_an_endless_number_option_is_refused_not_a_crash(option: str, message: str) -> None:
    """`ramp-up=inf` crashed the steady state's arithmetic (an internal error), and a
    400-digit window took seconds to say it was longer than the run: both are refused when
    the options are read, with pydantic's words (a window is at most 31 days, the longest
    steady state a soak may have)."""
    key, _, value = option.partition("=")
    with pytest.raises(ValidationError, match=message):
        gather.params_of("locust", registry.get("locust"), {key: value})
