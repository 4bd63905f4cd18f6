"""The fast row check of cohort jobs never accepts a row the award schema refuses: whatever it
calls plainly valid, the JSON Schema validator accepts too (and it takes the usual row)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.credentials.award_check import award_errors, plainly_valid
from service.credentials.schemas import validate
from service.errors import ValidationFailed

FIELDS = [
    "learnerName",
    "completedOn",
    "learnerId",
    "result",
    "moduleId",
    "language",
    "learnerDid",
    "nationality",
    "extra",
]
VALUES = st.one_of(
    st.text(max_size=210),
    st.sampled_from(
        ["2025-06-30", "2025-02-30", "2025-6-30", "\uff12\uff10\uff12\uff15-06-30", " ", "", "\n"]
    ),
    st.integers(),
    st.none(),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
def test_what_the_fast_path_accepts_the_schema_accepts(row: dict[str, Any]) -> None:
    if plainly_valid(row):
        validate("award", row, what="award")  # raises if the fast path was wrong


def test_the_usual_row_takes_the_fast_path_and_a_bad_one_is_named() -> None:
    usual = {"learnerName": "Amina Haddad", "completedOn": "2025-06-30", "learnerId": "E-1"}
    assert plainly_valid(usual) and award_errors(usual, row=1, module_id="m") == []
    bad = {"learnerName": "Amina", "completedOn": "2025-02-30", "nationality": "SY"}
    assert not plainly_valid(bad)
    errors = award_errors(bad, row=7, module_id="m")
    assert {e["path"] for e in errors} == {"$.completedOn", "$.nationality"}
    assert {e["row"] for e in errors} == {"7"}
    with pytest.raises(ValidationFailed):
        validate("award", bad, what="award")
    other = award_errors({**usual, "moduleId": "n"}, row=2, module_id="m")
    assert other == [{"row": "2", "path": "$.moduleId", "message": "differs from the module"}]
