"""Operating the service: /readyz (database, Redis, contexts, keys), /metrics (Prometheus, no
personal data), the request log (JSON, route templates only)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from conftest import Provider, award_data
from prometheus_client.parser import text_string_to_metric_families

from service.logs import JsonFormatter

REDIS_URL = "redis://127.0.0.1:6379/15"


def samples(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_ready_when_database_contexts_and_keys_are_there(client: Any, provider: Provider) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    checks = {c["check"]: c for c in body["checks"]}
    assert checks["database"]["status"] == "ok"
    assert checks["contexts"]["status"] == "ok"
    assert checks["keys"] == {"check": "keys", "status": "ok", "detail": "1 signing keys present"}
    # No Redis configured: not a failure, and it says what that means.
    assert checks["redis"]["status"] == "skipped"
    assert "per process" in checks["redis"]["detail"]


def test_not_ready_when_a_signing_key_is_missing_from_this_host(
    client: Any, provider: Provider, service_settings: Any
) -> None:
    for path in service_settings.keys_dir.glob("*.key.json"):
        path.unlink()
    response = client.get("/readyz")
    assert response.status_code == 503
    keys = next(c for c in response.json()["checks"] if c["check"] == "keys")
    assert keys["status"] == "failed"
    assert "TESSERA_KEYS_DIR" in keys["detail"]


def test_not_ready_when_a_pinned_context_is_missing(client: Any, service_settings: Any) -> None:
    for path in service_settings.contexts_dir.glob("*.jsonld"):
        path.unlink()
        break
    response = client.get("/readyz")
    assert response.status_code == 503
    contexts = next(c for c in response.json()["checks"] if c["check"] == "contexts")
    assert "tessera contexts install" in contexts["detail"]


def test_still_ready_but_degraded_when_redis_does_not_answer(client: Any) -> None:
    # Every process sees a Redis outage at once; each serves on its own limits meanwhile.
    from service.app.shared_state import connect_redis

    client.app.state.tessera.redis = connect_redis("redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 200
    redis = next(c for c in response.json()["checks"] if c["check"] == "redis")
    assert redis["status"] == "degraded"
    assert "Redis does not answer" in redis["detail"]
    assert "counted by each process" in redis["detail"]


def test_ready_with_redis(client: Any) -> None:
    from service.app.shared_state import connect_redis

    redis = connect_redis(REDIS_URL)
    assert redis is not None
    try:
        redis.ping()
    except Exception as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    client.app.state.tessera.redis = redis
    response = client.get("/readyz")
    assert response.status_code == 200
    assert {"check": "redis", "status": "ok", "detail": "answers"} in response.json()["checks"]


def test_metrics_count_requests_by_route_template_and_signing(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    before = samples(client)
    award = client.post(
        f"/issuers/{provider.slug}/awards",
        json=award_data("Amina Haddad", moduleId=module["id"]),
        headers=provider.headers,
    )
    assert award.status_code == 201
    after_text = client.get("/metrics").text
    after = samples(client)
    key = (
        "tessera_http_requests_total",
        (("method", "POST"), ("route", "/issuers/{issuer}/awards"), ("status", "201")),
    )
    assert after[key] - before.get(key, 0.0) == 1
    signed = ("tessera_documents_signed_total", ())
    assert after[signed] - before.get(signed, 0.0) == 1
    latency = (
        "tessera_http_request_duration_seconds_count",
        (("method", "POST"), ("route", "/issuers/{issuer}/awards")),
    )
    assert after[latency] >= 1
    assert ("tessera_job_slices", (("state", "queued"),)) not in after  # no job yet
    # Aggregates only: no provider slug, learner name or credential id in any label.
    assert provider.slug not in after_text
    assert "Amina" not in after_text
    assert award.json()["verifiableCredential"]["id"].rsplit("/", 1)[-1] not in after_text


def test_unmatched_paths_share_one_label(client: Any) -> None:
    client.get("/no/such/path/4f1c")
    text = client.get("/metrics").text
    assert "4f1c" not in text
    assert 'route="unmatched"' in text


def test_request_log_is_json_with_route_template_and_no_personal_data(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tessera.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client.post(
            f"/issuers/{provider.slug}/awards?note=Amina",
            json=award_data("Amina Haddad", moduleId=module["id"]),
            headers=provider.headers,
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["route"] == "/issuers/{issuer}/awards"
    assert entry["status"] == 201 and entry["method"] == "POST" and entry["ms"] > 0
    assert entry["level"] == "info" and entry["time"].endswith("+00:00")
    raw = stream.getvalue()
    assert "Amina" not in raw and provider.slug not in raw and provider.token not in raw
