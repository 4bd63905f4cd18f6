"""The provider's outcomes page over HTTP: signing in with a pasted API key (a wrong key or
scope answers the form again, never a 500), the session cookie's attributes, charts as
accessible SVG beside data tables with withheld figures shown as withheld, downloads,
publishing behind CSRF (a form sent twice signs once), and signing out."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from conftest import Provider
from outcomes_support import seed

from service.api.routes.outcomes_page import COOKIE
from service.i18n import translate
from service.store import Database

YEAR = "from=2025-01&to=2025-12"


@pytest.fixture
def client(client: Any) -> Any:
    """Over https, as the service's base URL is: the session cookie is Secure."""
    client.base_url = "https://testserver.local"
    return client


def scoped_key(client: Any, provider: Provider, scopes: list[str]) -> str:
    made = client.post(
        f"/issuers/{provider.slug}/api-keys",
        json={"label": "page", "scopes": scopes},
        headers=provider.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def sign_in(client: Any, key: str, lang: str = "en") -> Any:
    """Open the form (it sets its sign-in cookie), then send it with its CSRF field."""
    form = client.get(f"/provider/sign-in?lang={lang}")
    assert form.status_code == 200
    data = {"api_key": key, "lang": lang, "csrf": csrf_of(form.text)}
    return client.post("/provider/sign-in", data=data, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def test_a_wrong_key_or_scope_answers_the_form_again(client: Any, provider: Provider) -> None:
    for key, status, message in (
        ("", 401, "outcomes.bad_key"),
        ("tsk_000000000000_" + "x" * 43, 401, "outcomes.bad_key"),
        ("not a key at all <script>", 401, "outcomes.bad_key"),
        (scoped_key(client, provider, ["issue"]), 403, "outcomes.no_scope"),
    ):
        answer = sign_in(client, key, lang="de")
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert translate("de", message) in answer.text
        assert COOKIE not in answer.headers.get("set-cookie", "")
        assert "tsk_000000000000" not in answer.text  # the key is never echoed
    # A sign-in form another site sends (no sign-in cookie, or a forged field) is refused.
    client.cookies.clear()
    login_csrf = client.post("/provider/sign-in", data={"api_key": provider.token, "lang": "en"})
    assert login_csrf.status_code == 403
    assert translate("en", "outcomes.form_expired") in login_csrf.text
    assert COOKIE not in login_csrf.headers.get("set-cookie", "")
    # Without a session the page sends the reader to the sign-in form.
    page = client.get(f"/provider/outcomes?{YEAR}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/provider/sign-in")
    download = client.get(f"/provider/outcomes/download?{YEAR}", follow_redirects=False)
    assert download.status_code == 303


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_signed_in_the_provider_sees_charts_tables_and_downloads(
    client: Any, db: Database, provider: Provider
) -> None:
    seed(db, provider)
    answer = sign_in(client, scoped_key(client, provider, ["outcomes"]))
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/provider" in cookie
    assert "Max-Age=1800" in cookie and "Secure" in cookie

    page = client.get(f"/provider/outcomes?{YEAR}&lang=en")
    assert page.status_code == 200
    html = page.text
    assert "<script" not in html
    assert html.count('role="img"') >= 6  # a chart per indicator at least
    assert html.count('<table class="figures">') == 7  # six counts and the median days
    assert 'data-indicator="timeToQualification"' in html
    assert '<title id="chart-credentialsIssued-month-t">Credentials issued per month</title>' in (
        html
    )
    # February's 4 basic credentials are withheld: shown as withheld, never as 0.
    february = re.search(r"<tr><th scope=\"row\">February 2025</th>(.*?)</tr>", html)
    assert february and 'class="withheld" data-withheld>withheld<' in february.group(1)
    assert "Publishing a signed report needs an API key with the admin scope." in html
    assert page.headers["content-security-policy"].startswith("default-src 'none'")

    rows = list(csv.DictReader(io.StringIO(client.get(f"/provider/outcomes/download?{YEAR}").text)))
    assert {"provider", "indicator", "value", "status"} <= set(rows[0])
    sdmx = client.get(f"/provider/outcomes/download?{YEAR}&format=sdmx-csv")
    assert sdmx.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    package = client.get(f"/provider/outcomes/download?{YEAR}&format=datapackage").json()
    assert package["profile"] == "tabular-data-package"

    arabic = client.get(f"/provider/outcomes?{YEAR}&lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert translate("ar", "outcomes.ind_credentials") in arabic
    assert "فبراير 2025" in arabic  # months by CLDR

    bad = client.get("/provider/outcomes?from=2025-13&to=2025-01&lang=fr")
    assert bad.status_code == 422
    assert translate("fr", "outcomes.bad_period", months=60) in bad.text
    # Any other problem under /provider is a page in the reader's language, never JSON.
    for url, status in (
        (f"/provider/outcomes/download?{YEAR}&format=xlsx&lang=es", 422),
        ("/provider/outcomes/download?from=2025&to=2025-12&lang=es", 422),
        ("/provider/outcomes/published/no-such-report?lang=es", 404),
    ):
        problem = client.get(url)
        assert problem.status_code == status, url
        assert problem.headers["content-type"].startswith("text/html")
        assert translate("es", "outcomes.problem") in problem.text


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_publishing_needs_the_csrf_token_and_signs_once(
    client: Any, db: Database, provider: Provider
) -> None:
    seed(db, provider)
    assert sign_in(client, provider.token).status_code == 303
    html = client.get(f"/provider/outcomes?{YEAR}").text
    request_id = re.search(r'name="request" value="([^"]+)"', html)
    assert request_id
    form = {
        "csrf": csrf_of(html),
        "from": "2025-01",
        "to": "2025-12",
        "lang": "en",
        "request": request_id.group(1),
    }

    forged = client.post("/provider/outcomes/publish", data={**form, "csrf": "0" * 64})
    assert forged.status_code == 403
    assert translate("en", "outcomes.form_expired") in forged.text

    first = client.post("/provider/outcomes/publish", data=form)
    again = client.post("/provider/outcomes/publish", data=form)  # the form sent twice
    assert first.status_code == again.status_code == 201, first.text
    published = re.search(r'data-published="([^"]+)"', first.text)
    assert published and published.group(1) in again.text
    listed = client.get(f"/issuers/{provider.slug}/credentials", headers=provider.headers).json()
    assert [c["credentialId"] for c in listed].count(published.group(1)) == 1
    # Its language links (to its own address) lead back to the page, in that language.
    switched = client.get("/provider/outcomes/publish?lang=fa", follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/provider/outcomes?lang=fa"
    link = re.search(r'href="(/provider/outcomes/published/[^"]+)"', first.text)
    assert link
    credential = client.get(link.group(1)).json()
    assert credential["id"] == published.group(1) and "proof" in credential

    page_after = client.get(f"/provider/outcomes?{YEAR}").text
    out = client.post(
        "/provider/sign-out",
        data={"csrf": csrf_of(page_after), "lang": "en"},
        follow_redirects=False,
    )
    assert out.status_code == 303 and "note=signed-out" in out.headers["location"]
    client.cookies.clear()
    client.cookies.set(COOKIE, "stale", domain="testserver.local", path="/provider")
    ended = client.get(f"/provider/outcomes?{YEAR}", follow_redirects=False)
    assert ended.status_code == 303 and "note=ended" in ended.headers["location"]


def test_a_revoked_key_ends_its_session(client: Any, provider: Provider) -> None:
    key = scoped_key(client, provider, ["outcomes"])
    assert sign_in(client, key).status_code == 303
    assert client.get(f"/provider/outcomes?{YEAR}").status_code == 200
    keys = client.get(f"/issuers/{provider.slug}/api-keys", headers=provider.headers).json()
    key_id = next(k["id"] for k in keys if k["label"] == "page")
    revoked = client.delete(f"/issuers/{provider.slug}/api-keys/{key_id}", headers=provider.headers)
    assert revoked.status_code == 204, revoked.text
    gone = client.get(f"/provider/outcomes?{YEAR}", follow_redirects=False)
    assert gone.status_code == 303 and "sign-in" in gone.headers["location"]
