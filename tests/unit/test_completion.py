"""Programme completion rules: the evaluator against the definition, by brute force.

The definition: a learner completes a programme when *some* subset of their credentials
satisfies the rule (allOf / anyOf / nOf over modules), reaches the minimum hours and credits
(distinct modules) and lies inside the time window (fixed bounds; every credential within
``withinMonths`` of the earliest). The brute force tries every subset; the evaluator must
agree on every random rule and credential set hypothesis finds.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.credentials.completion import (
    Held,
    add_months,
    evaluate,
    progress,
    rule_problems,
)
from service.credentials.schemas import validator
from service.errors import ValidationFailed

MODULES = ["m1", "m2", "m3", "m4", "m5", "m6"]
DAY0 = date(2024, 1, 1)


def brute_rule(rule: Any, modules: frozenset[str]) -> bool:
    """The rule's meaning, written independently: nOf is 'some n-combination all hold'."""
    if isinstance(rule, str):
        return rule in modules
    if "allOf" in rule:
        return all(brute_rule(child, modules) for child in rule["allOf"])
    if "anyOf" in rule:
        return any(brute_rule(child, modules) for child in rule["anyOf"])
    return any(
        all(brute_rule(child, modules) for child in combo)
        for combo in itertools.combinations(rule["of"], rule["nOf"])
    )


def named(rule: Any) -> set[str]:
    if isinstance(rule, str):
        return {rule}
    return set().union(*(named(c) for k in ("allOf", "anyOf", "of") for c in rule.get(k, [])))


def brute_satisfied(completion: dict[str, Any], held: list[Held]) -> bool:
    """Only credentials for modules the programme names count (toward hours too)."""
    held = [h for h in held if h.ref in named(completion["rule"])]
    for size in range(len(held) + 1):
        for subset in itertools.combinations(held, size):
            days = [h.completed_on for h in subset]
            if "notBefore" in completion and any(
                d < date.fromisoformat(completion["notBefore"]) for d in days
            ):
                continue
            if "notAfter" in completion and any(
                d > date.fromisoformat(completion["notAfter"]) for d in days
            ):
                continue
            if (
                days
                and "withinMonths" in completion
                and max(days) > add_months(min(days), completion["withinMonths"])
            ):
                continue
            hours: dict[str, float] = {}
            credits: dict[str, float] = {}
            for h in subset:
                hours[h.ref] = max(hours.get(h.ref, 0), h.hours)
                credits[h.ref] = max(credits.get(h.ref, 0), h.credits)
            if sum(hours.values()) < completion.get("minHours", 0):
                continue
            if sum(credits.values()) < completion.get("minCredits", 0):
                continue
            if brute_rule(completion["rule"], frozenset(h.ref for h in subset)):
                return True
    return False


def rules(depth: int = 2) -> st.SearchStrategy[Any]:
    leaf = st.sampled_from(MODULES)
    if depth == 0:
        return leaf
    children = st.lists(rules(depth - 1), min_size=1, max_size=4)
    return st.one_of(
        leaf,
        children.map(lambda c: {"allOf": c}),
        children.map(lambda c: {"anyOf": c}),
        children.flatmap(lambda c: st.integers(1, len(c)).map(lambda n: {"nOf": n, "of": c})),
    )


HOURS = {"m1": 40, "m2": 20, "m3": 60, "m4": 10, "m5": 30, "m6": 0}


@st.composite
def held_sets(draw: st.DrawFn) -> list[Held]:
    count = draw(st.integers(0, 7))
    out = []
    for index in range(count):
        ref = draw(st.sampled_from(MODULES))
        offset = draw(st.integers(0, 1500))
        out.append(
            Held(
                ref=ref,
                credential_id=f"urn:uuid:{index}",
                completed_on=DAY0 + timedelta(days=offset),
                hours=HOURS[ref],
                credits=HOURS[ref] / 20,
            )
        )
    return out


@st.composite
def completions(draw: st.DrawFn) -> dict[str, Any]:
    completion: dict[str, Any] = {"rule": draw(rules())}
    if draw(st.booleans()):
        completion["minHours"] = draw(st.sampled_from([0, 30, 60, 100, 150]))
    if draw(st.booleans()):
        completion["minCredits"] = draw(st.sampled_from([1, 2.5, 5]))
    if draw(st.booleans()):
        completion["withinMonths"] = draw(st.integers(1, 40))
    if draw(st.booleans()):
        completion["notBefore"] = (DAY0 + timedelta(days=draw(st.integers(0, 500)))).isoformat()
    if draw(st.booleans()):
        completion["notAfter"] = (DAY0 + timedelta(days=draw(st.integers(500, 1500)))).isoformat()
    return completion


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(completion=completions(), held=held_sets())
def test_the_evaluator_agrees_with_the_brute_force_definition(
    completion: dict[str, Any], held: list[Held]
) -> None:
    verdict = evaluate(completion, held)
    assert verdict.satisfied == brute_satisfied(completion, held)
    # Whatever the evaluator counts is itself a witness: it satisfies the definition.
    assert (verdict.done == verdict.needed) == brute_rule(
        completion["rule"], frozenset(h.ref for h in verdict.counted)
    )
    if verdict.satisfied:
        assert brute_satisfied(completion, list(verdict.counted))
        assert len({h.ref for h in verdict.counted}) == len(verdict.counted)
    # Every generated completion is one the schema accepts.
    assert list(validator("programme").iter_errors(_programme(completion))) == []


def _programme(completion: dict[str, Any]) -> dict[str, Any]:
    ids = {m: f"0000000{i}-0000-4000-8000-000000000000" for i, m in enumerate(MODULES)}

    def swap(rule: Any) -> Any:
        if isinstance(rule, str):
            return ids[rule]
        return {k: ([swap(c) for c in v] if isinstance(v, list) else v) for k, v in rule.items()}

    return {
        "name": {"en": "P"},
        "defaultLanguage": "en",
        "completion": {**completion, "rule": swap(completion["rule"])},
    }


def test_five_modules_with_a_substitution_and_two_of_three() -> None:
    completion = {
        "rule": {"allOf": ["m1", {"anyOf": ["m2", "m3"]}, {"nOf": 2, "of": ["m4", "m5", "m6"]}]},
        "minHours": 100,
    }
    day = date(2025, 1, 1)
    held = [Held(m, f"urn:{m}", day, HOURS[m]) for m in ("m1", "m3", "m4", "m5")]
    verdict = evaluate(completion, held)
    assert verdict.satisfied and verdict.hours == 140
    assert (verdict.done, verdict.needed) == (4, 4)
    fewer = evaluate(completion, held[:3])
    assert not fewer.satisfied and (fewer.done, fewer.needed) == (3, 4)
    short = evaluate({**completion, "minHours": 200}, held)
    assert not short.satisfied and short.done == short.needed  # the rule holds, hours do not


def test_a_sliding_window_counts_modules_close_enough_in_time() -> None:
    completion = {"rule": {"allOf": ["m1", "m2"]}, "withinMonths": 12}
    first = Held("m1", "urn:a", date(2023, 1, 31), 0)
    late = Held("m2", "urn:b", date(2024, 2, 1), 0)
    again = Held("m1", "urn:c", date(2023, 6, 1), 0)
    assert not evaluate(completion, [first, late]).satisfied
    verdict = evaluate(completion, [first, late, again])
    assert verdict.satisfied
    assert [h.credential_id for h in verdict.counted] == ["urn:c", "urn:b"]
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_progress_takes_the_cheapest_way() -> None:
    rule = {"nOf": 1, "of": [{"allOf": ["m1", "m2", "m3"]}, {"allOf": ["m4", "m5"]}]}
    # two modules from finishing either way: the way the learner has started shows
    assert progress(rule, ["m1"]) == (1, 3)
    assert progress(rule, ["m1", "m2"]) == (2, 3)
    assert progress(rule, []) == (0, 2)
    assert progress(rule, ["m4", "m5"]) == (2, 2)


def test_rules_the_schema_cannot_see_are_refused_with_their_paths() -> None:
    local = "0a0a0a0a-0000-4000-8000-000000000000"
    completion = {
        "rule": {"nOf": 3, "of": [local, "https://other.example/a/1"]},
        "notBefore": "2025-01-01",
        "notAfter": "2024-01-01",
    }
    problems = rule_problems(completion, local_modules=[])
    assert problems == [
        "$.completion.rule: nOf 3 asks for more than the 2 listed",
        f"$.completion.rule.of[0]: the provider has no module {local!r}",
        "$.completion.notAfter: is before notBefore",
    ]
    from service.credentials.completion import check_completion

    with pytest.raises(ValidationFailed) as raised:
        check_completion(completion, local_modules=[local])
    assert [e["path"] for e in raised.value.errors] == [
        "$.completion.rule",
        "$.completion.notAfter",
    ]
