"""Process metrics (Prometheus) for the service and the workers.

Metrics carry no personal data: labels are route templates, methods, status codes, job kinds
and outcomes, never a path with ids in it, a client address or a credential. The objects are
process-wide (one Prometheus registry per process), so any number of apps built in one
process (tests) share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram

from service.app.signing import BatchSigner

JsonObject = dict[str, Any]

#: Seconds; public verification answers in milliseconds, a cohort request in seconds.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0)

HTTP_REQUESTS = Counter(
    "tessera_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "tessera_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
DOCUMENTS_SIGNED = Counter(
    "tessera_documents_signed",
    "Documents signed (credentials and status lists): rate() of it is the signing rate.",
)
JOB_ROWS = Counter(
    "tessera_job_rows",
    "Cohort rows a job worker finished, by outcome (issued, skipped: already issued).",
    ["outcome"],
)
JOBS_RUN = Counter(
    "tessera_job_tasks",
    "Job tasks this process ran, by task and outcome (done, failed).",
    ["task", "outcome"],
)
STATUS_LIST_LAG = Histogram(
    "tessera_status_list_publication_lag_seconds",
    "From a status change to the signed list that shows it.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)
SHARED_STATE_FALLBACKS = Counter(
    "tessera_shared_state_fallbacks",
    "Operations served without Redis because it did not answer in time, by what (rate_limit: "
    "counted by this process alone; memo, directory: this process's cache only).",
    ["what"],
)


class CountingSigner:
    """A :class:`BatchSigner` that counts what it signs (``tessera_documents_signed``)."""

    def __init__(self, inner: BatchSigner) -> None:
        self.inner = inner

    def sign_all(
        self,
        key_name: str,
        documents: Sequence[JsonObject],
        *,
        created: datetime,
        cryptosuite: str | None = None,
    ) -> list[JsonObject]:
        if cryptosuite is None:
            signed = self.inner.sign_all(key_name, documents, created=created)
        else:
            signed = self.inner.sign_all(
                key_name, documents, created=created, cryptosuite=cryptosuite
            )
        DOCUMENTS_SIGNED.inc(len(signed))
        return signed

    def close(self) -> None:
        self.inner.close()


def observe_publication_lag(*, changed_at: datetime, signed_at: datetime) -> None:
    """Record how long a status change waited for a signed list showing it."""
    STATUS_LIST_LAG.observe(max(0.0, (signed_at - changed_at).total_seconds()))


__all__ = [
    "DOCUMENTS_SIGNED",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "JOBS_RUN",
    "JOB_ROWS",
    "SHARED_STATE_FALLBACKS",
    "STATUS_LIST_LAG",
    "CountingSigner",
    "observe_publication_lag",
]
