"""``tessera outcomes report``: a funder's CSV and PDF from the database, with the same
disclosure control as the API; a bad period or provider is one line and exit code 2."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Cli, service_env
from conftest import Provider
from outcomes_support import seed

from service.export.charts import BAR_COLOUR
from service.store import Database

#: Read at import: the CLI fixture runs commands with exactly their TESSERA_* settings.
SHOTS = os.environ.get("TESSERA_SCREENSHOTS_DIR")


def shots_dir() -> Path:
    """Where pictures for people go ($TESSERA_SCREENSHOTS_DIR, else tests/e2e/artifacts)."""
    configured = SHOTS
    folder = Path(configured) if configured else Path(__file__).parents[1] / "e2e" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    # The same charts as the provider's page (titles from the one chart model), drawn: the
    # first page holds bars in the chart colour, and a table row per month.
    assert "Credentials issued per month" in text and "Credentials issued per module" in text
    assert "Revocations and suspensions by kind" in text and "February 2025" in text
    image = document[0].render(scale=2).to_pil().convert("RGB")
    bar = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    data = image.tobytes()  # RGB, three bytes a pixel
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    assert pixels.count(bytes(bar)) > 2000  # bars, not a speck
    image.save(shots_dir() / "outcomes-report-pdf-page1.png")


def test_the_operators_pdf_has_every_provider(
    cli: Cli, db: Database, make_provider: Callable[..., Provider], tmp_path: Path
) -> None:
    seed(db, make_provider("Alpha Skills", slug="alpha"))
    seed(db, make_provider("Beta Academy", slug="beta"))
    pdf = tmp_path / "all.pdf"
    result = cli(
        "outcomes", "report", "--from", "2025-01", "--to", "2025-12", "--format", "pdf",
        "--out", str(pdf),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Credentials issued per provider" in text and "alpha" in text and "beta" in text
    assert "Median days to attain a qualification" in text


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


def test_the_operator_makes_lists_and_revokes_its_api_keys(cli: Cli) -> None:
    made = cli("outcomes", "keys", "create", "--label", "statistics office")
    assert made.exit_code == 0, made.output
    token = next(w for w in made.stdout.split() if w.startswith("tso_"))
    key_id = made.stdout.split()[4]
    listed = cli("outcomes", "keys", "list")
    assert key_id in listed.stdout and "statistics office" in listed.stdout
    assert token not in listed.stdout and "live" in listed.stdout
    assert cli("outcomes", "keys", "revoke", key_id).exit_code == 0
    assert "revoked" in cli("outcomes", "keys", "list").stdout
    assert "already" in cli("outcomes", "keys", "revoke", key_id).stdout
    unknown = cli("outcomes", "keys", "revoke", "no-such-key")
    assert unknown.exit_code == 2 and "no-such-key" in unknown.output
    assert "Traceback" not in unknown.output
