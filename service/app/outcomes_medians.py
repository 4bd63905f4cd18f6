"""Median time to attain a qualification, published under disclosure control (pure).

A median describes the learners behind it, so it follows the same minimum count as the
count tables: a median of fewer than ``k`` learners (:attr:`DisclosurePolicy.min_count`) is
withheld. Medians are in whole days (halves rounded up). A median is not a sum, so the
published medians give no linear facts to solve for a withheld one; no complementary
suppression is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.app.disclosure import DisclosurePolicy

#: ``{(month or None, key or None): (learners, median days)}`` (None: every month / key).
MedianInput = Mapping[tuple[str | None, str | None], tuple[int, float]]


@dataclass(frozen=True)
class PublishedMedians:
    """Median days to a qualification: ``cells[i][j]`` for month ``rows[i]`` and programme
    (across providers: provider) ``columns[j]``; ``row_medians`` per month across them,
    ``column_medians`` per column over the period, ``overall`` over both. ``None``: withheld,
    fewer than ``min_count`` learners there (none included)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_medians: tuple[int | None, ...]
    column_medians: tuple[int | None, ...]
    overall: int | None
    min_count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": "days",
            "minimumLearners": self.min_count,
            "months": list(self.rows),
            "columns": list(self.columns),
            "cells": [list(line) for line in self.cells],
            "monthMedians": list(self.row_medians),
            "columnMedians": list(self.column_medians),
            "median": self.overall,
        }


def publish_medians(
    medians: MedianInput,
    *,
    months: Sequence[str],
    labels: Mapping[str, str],
    policy: DisclosurePolicy,
) -> PublishedMedians:
    """The medians as they may be shown. Columns are the keys found, shown by their label
    (an unlabelled key, e.g. a deleted programme, by the start of its id)."""
    keys = sorted({k for _, k in medians if k is not None}, key=lambda k: labels.get(k, k))

    def shown(month: str | None, key: str | None) -> int | None:
        found = medians.get((month, key))
        if found is None or found[0] < policy.min_count:
            return None
        return int(found[1] + 0.5)

    return PublishedMedians(
        rows=tuple(months),
        columns=tuple(labels.get(k, k[:8]) for k in keys),
        cells=tuple(tuple(shown(m, k) for k in keys) for m in months),
        row_medians=tuple(shown(m, None) for m in months),
        column_medians=tuple(shown(None, k) for k in keys),
        overall=shown(None, None),
        min_count=policy.min_count,
    )


__all__ = ["MedianInput", "PublishedMedians", "publish_medians"]
