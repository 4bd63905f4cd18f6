"""Programme completion rules and their evaluation. Pure: no database, no clock.

A programme's ``completion`` (validated by ``schemas/programme.schema.json``) says when a
learner has completed it::

    {"rule": {"allOf": ["<module id>", {"anyOf": ["<A>", "<B>"]},
                        {"nOf": 2, "of": ["<C>", "<D>", "https://other.example/achievements/E"]}]},
     "minHours": 120, "minCredits": 10, "withinMonths": 36,
     "notBefore": "2024-01-01", "notAfter": "2027-12-31"}

* a rule is a module reference (a module id of the programme's provider, or a recognized
  provider's achievement id URL), ``allOf`` a list, ``anyOf`` a list (named substitutions:
  "module A or module B"), or ``nOf`` ``n`` of a list; rules nest;
* ``minHours`` / ``minCredits`` add up the hours and credits of the distinct modules counted;
* ``notBefore`` / ``notAfter`` bound the completion dates of the credentials that count, and
  ``withinMonths`` requires every counted credential to be completed within that many months
  of the earliest one (a sliding window: the learner may start any time).

:func:`evaluate` is exact: the programme is satisfied iff *some* subset of the learner's
credentials meets every condition (tests/unit/test_completion.py checks it against that
brute-force definition with random rules and credentials). Rules are monotone, so the
largest set inside a window is the one to test, and only windows starting at a credential's
own date need trying.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.errors import ValidationFailed

Rule = str | Mapping[str, Any]


@dataclass(frozen=True)
class Held:
    """One credential a learner holds, as the rules see it."""

    ref: str  # the module it is for: a module id or an achievement id URL
    credential_id: str  # the credential's ``id``
    completed_on: date
    hours: float = 0.0
    credits: float = 0.0


@dataclass(frozen=True)
class Evaluation:
    """The verdict for one learner and programme.

    ``counted``: one credential per module of the programme, from the window that satisfied
    the rules (or, when none did, the window closest to it); ``done`` of ``needed`` modules is
    the learner's progress on the rule (``needed``: the fewest modules that could complete it).
    """

    satisfied: bool
    counted: tuple[Held, ...]
    done: int
    needed: int
    hours: float
    credits: float


def modules_of(rule: Rule) -> set[str]:
    """Every module reference a rule names."""
    if isinstance(rule, str):
        return {rule}
    out: set[str] = set()
    for child in _children(rule):
        out |= modules_of(child)
    return out


def _children(rule: Mapping[str, Any]) -> list[Rule]:
    for key in ("allOf", "anyOf", "of"):
        if key in rule:
            return list(rule[key])
    raise ValueError(f"not a completion rule: {sorted(rule)}")


def holds(rule: Rule, modules: Iterable[str]) -> bool:
    """Whether the set of completed ``modules`` satisfies ``rule``."""
    have = set(modules)
    return _holds(rule, have)


def _holds(rule: Rule, have: set[str]) -> bool:
    if isinstance(rule, str):
        return rule in have
    results = (_holds(child, have) for child in _children(rule))
    if "allOf" in rule:
        return all(results)
    if "anyOf" in rule:
        return any(results)
    return sum(results) >= int(rule["nOf"])


def progress(rule: Rule, modules: Iterable[str]) -> tuple[int, int]:
    """(done, needed): modules completed toward the cheapest way to satisfy ``rule``, and how
    many modules that way takes. ``done == needed`` exactly when the rule holds."""
    return _progress(rule, set(modules))


def _progress(rule: Rule, have: set[str]) -> tuple[int, int]:
    if isinstance(rule, str):
        return (1 if rule in have else 0, 1)
    parts = [_progress(child, have) for child in _children(rule)]
    if "allOf" in rule:
        return sum(d for d, _ in parts), sum(n for _, n in parts)
    # The closest ways first: fewest modules missing, then most already done (what the
    # learner has achieved shows).
    parts.sort(key=lambda p: (p[1] - p[0], -p[0]))
    take = 1 if "anyOf" in rule else min(int(rule["nOf"]), len(parts))
    chosen = parts[:take]
    return sum(d for d, _ in chosen), sum(n for _, n in chosen)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _totals(items: Sequence[Held]) -> tuple[float, float]:
    hours: dict[str, float] = {}
    credits: dict[str, float] = {}
    for item in items:
        hours[item.ref] = max(hours.get(item.ref, 0.0), item.hours)
        credits[item.ref] = max(credits.get(item.ref, 0.0), item.credits)
    return sum(hours.values()), sum(credits.values())


def _meets(completion: Mapping[str, Any], items: Sequence[Held]) -> bool:
    hours, credits = _totals(items)
    return (
        holds(completion["rule"], (i.ref for i in items))
        and hours >= float(completion.get("minHours", 0))
        and credits >= float(completion.get("minCredits", 0))
    )


def _one_per_module(items: Sequence[Held]) -> tuple[Held, ...]:
    """The earliest credential of each module (ties: the smallest id, so the choice is stable)."""
    best: dict[str, Held] = {}
    for item in sorted(items, key=lambda i: (i.completed_on, i.credential_id)):
        best.setdefault(item.ref, item)
    return tuple(sorted(best.values(), key=lambda i: (i.completed_on, i.ref)))


def evaluate(completion: Mapping[str, Any], held: Sequence[Held]) -> Evaluation:
    """Whether ``held`` completes the programme, which credentials count, and the progress."""
    rule: Rule = completion["rule"]
    wanted = modules_of(rule)
    lower = _day(completion.get("notBefore"))
    upper = _day(completion.get("notAfter"))
    candidates = [
        h
        for h in held
        if h.ref in wanted
        and (lower is None or h.completed_on >= lower)
        and (upper is None or h.completed_on <= upper)
    ]
    months = completion.get("withinMonths")
    windows: list[list[Held]]
    if months is None or not candidates:
        windows = [candidates]
    else:
        starts = sorted({h.completed_on for h in candidates})
        windows = [
            [h for h in candidates if start <= h.completed_on <= add_months(start, int(months))]
            for start in starts
        ]
    best: tuple[tuple[int, int], list[Held]] | None = None
    for window in windows:
        if _meets(completion, window):
            return _evaluation(True, rule, window)
        done, needed = progress(rule, (h.ref for h in window))
        if best is None or (done, -needed) > best[0]:
            best = ((done, -needed), window)
    return _evaluation(False, rule, best[1] if best else [])


def _evaluation(satisfied: bool, rule: Rule, window: Sequence[Held]) -> Evaluation:
    counted = _one_per_module(window)
    done, needed = progress(rule, (h.ref for h in counted))
    hours, credits = _totals(counted)
    return Evaluation(satisfied, counted, done, needed, hours, credits)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def check_completion(completion: Mapping[str, Any], *, local_modules: Iterable[str]) -> None:
    """Raise :class:`ValidationFailed` listing every :func:`rule_problems` of ``completion``."""
    problems = rule_problems(completion, local_modules=local_modules)
    if problems:
        raise ValidationFailed(
            "The programme's completion rules cannot be met as written: " + "; ".join(problems[:3]),
            [{"path": p.split(": ", 1)[0], "message": p.split(": ", 1)[1]} for p in problems],
        )


def rule_problems(completion: Mapping[str, Any], *, local_modules: Iterable[str]) -> list[str]:
    """What is wrong with rules that the schema cannot see: an ``nOf`` asking for more than
    its list, a module id the provider does not have, dates in the wrong order."""
    problems: list[str] = []
    known = set(local_modules)

    def walk(rule: Rule, path: str) -> None:
        if isinstance(rule, str):
            if not rule.startswith(("http://", "https://")) and rule not in known:
                problems.append(f"{path}: the provider has no module {rule!r}")
            return
        children = _children(rule)
        if "nOf" in rule and int(rule["nOf"]) > len(children):
            problems.append(
                f"{path}: nOf {rule['nOf']} asks for more than the {len(children)} listed"
            )
        key = next(k for k in ("allOf", "anyOf", "of") if k in rule)
        for index, child in enumerate(children):
            walk(child, f"{path}.{key}[{index}]")

    walk(completion["rule"], "$.completion.rule")
    lower, upper = _day(completion.get("notBefore")), _day(completion.get("notAfter"))
    if lower and upper and lower > upper:
        problems.append("$.completion.notAfter: is before notBefore")
    return problems


__all__ = [
    "Evaluation",
    "Held",
    "Rule",
    "add_months",
    "check_completion",
    "evaluate",
    "holds",
    "modules_of",
    "progress",
    "rule_problems",
]
