"""``tessera outcomes report``: a funder's CSV and PDF from the database, with the same
disclosure control as the API; a bad period or provider is one line and exit code 2."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Cli, service_env
from conftest import Provider
from outcomes_support import seed

from service.store import Database


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Database) -> Cli:
    return Cli(monkeypatch, service_env(tmp_path, TESSERA_DATABASE_URL=db.url))


def test_a_funder_gets_csv_and_pdf_with_small_counts_withheld(
    cli: Cli, db: Database, make_provider: Callable[..., Provider], tmp_path: Path
) -> None:
    provider = make_provider()
    seed(db, provider)
    year = ("--from", "2025-01", "--to", "2025-12")

    result = cli("outcomes", "report", "--issuer", provider.slug, *year, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    march = [r for r in rows if r["indicator"] == "credentialsIssued" and r["month"] == "2025-03"]
    assert {r["breakdown"]: r["value"] for r in march} == {
        "WELD-1": "20",
        "WELD-2": "10",
        "_T": "30",
    }
    february = [
        r for r in rows if r["indicator"] == "credentialsIssued" and r["month"] == "2025-02"
    ]
    assert {r["breakdown"]: r["status"] for r in february}["WELD-1"] == "withheld"

    pdf = tmp_path / "report.pdf"
    result = cli(
        "outcomes", "report", "--issuer", provider.slug, *year, "--format", "pdf", "--out", str(pdf)
    )
    assert result.exit_code == 0, result.output
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Outcomes: Vocational Training Centre Hamburg" in text
    assert "withheld" in text
    assert "Credentials issued" in text


def test_bad_input_is_one_line(cli: Cli, make_provider: Callable[..., Provider]) -> None:
    make_provider()
    for args, words in (
        (("--from", "2025-1", "--to", "2025-12"), "YYYY-MM"),
        (("--from", "2025-01", "--to", "2025-12", "--issuer", "nobody"), "nobody"),
        (("--from", "2025-01", "--to", "2025-12", "--format", "pdf"), "--out"),
        (("--from", "2025-01", "--to", "2025-12", "--format", "xls"), "--format"),
    ):
        result = cli("outcomes", "report", *args)
        assert result.exit_code == 2, result.output
        assert words in result.output
        assert "Traceback" not in result.output
