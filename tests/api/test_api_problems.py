"""Every error is RFC 9457 ``application/problem+json`` with type, title, status and detail."""

from __future__ import annotations

from typing import Any

from conftest import Provider, module_data


def scenarios(
    provider: Provider, module: dict[str, Any]
) -> dict[str, tuple[str, str, dict[str, Any]]]:
    slug = provider.slug
    admin = provider.headers
    return {
        "401-no-key": ("GET", f"/issuers/{slug}/modules", {}),
        "401-bad-key": (
            "GET",
            f"/issuers/{slug}/modules",
            {"headers": {"Authorization": "Bearer x"}},
        ),
        "404-module": ("GET", f"/issuers/{slug}/modules/nope", {"headers": admin}),
        "404-provider": ("GET", "/issuers/nobody/modules", {"headers": admin}),
        "404-route": ("GET", "/no/such/page.json", {"headers": admin}),
        "405-method": ("PUT", "/credentials/issue", {"headers": admin, "json": {}}),
        "422-schema": (
            "POST",
            f"/issuers/{slug}/modules",
            {"headers": admin, "json": module_data(eqfLevel=9)},
        ),
        "422-not-json": (
            "POST",
            f"/issuers/{slug}/awards",
            {"headers": {**admin, "Content-Type": "application/json"}, "content": b"{nope"},
        ),
        "422-limit": (
            "GET",
            f"/issuers/{slug}/credentials?limit=100000",
            {"headers": admin},
        ),
        "422-idempotency-key-too-long": (
            "POST",
            f"/issuers/{slug}/awards",
            {"headers": {**admin, "Idempotency-Key": "k" * 201}, "json": {}},
        ),
    }


def test_errors_are_problem_details(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    for case, (method, path, kwargs) in scenarios(provider, module).items():
        response = client.request(method, path, **kwargs)

        status = int(case[:3])
        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        body = response.json()
        assert {"type", "title", "status", "detail"} <= set(body), case
        assert body["status"] == status, case
        assert body["type"].startswith(("https://", "http://")), case
        assert isinstance(body["title"], str) and body["title"], case
        assert isinstance(body["detail"], str) and body["detail"], case
        assert "Traceback" not in response.text, case


def test_problem_types_are_stable_per_kind(client: Any, provider: Provider) -> None:
    first = client.get(f"/issuers/{provider.slug}/modules/a", headers=provider.headers).json()
    second = client.get(f"/issuers/{provider.slug}/programmes/b", headers=provider.headers).json()
    assert first["type"] == second["type"]
    unauthorized = client.get(f"/issuers/{provider.slug}/modules").json()
    assert unauthorized["type"] != first["type"]
