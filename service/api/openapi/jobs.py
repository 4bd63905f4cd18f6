"""The OpenAPI answers of background jobs: a large cohort is accepted as a job (202), which the
provider polls until it has ended."""

from __future__ import annotations

from typing import Any

from service.api.openapi.components import EXAMPLE_ID, EXAMPLE_TIME, ID, TIME, URI, ref

SCHEMAS: dict[str, dict[str, Any]] = {
    "Job": {
        "type": "object",
        "description": "A background job (a cohort above the job threshold): poll `url` until "
        "`state` is done or failed.",
        "required": ["id", "url", "kind", "state", "createdAt", "progress"],
        "properties": {
            "id": ID,
            "url": URI,
            "kind": {"const": "cohort"},
            "state": {"enum": ["queued", "running", "done", "failed"]},
            "createdAt": TIME,
            "progress": {
                "type": "object",
                "required": [
                    "rows",
                    "issued",
                    "failedRows",
                    "slices",
                    "slicesDone",
                    "slicesFailed",
                ],
                "properties": {
                    "checked": {
                        "type": "boolean",
                        "description": "Whether the job has checked every row (it is queued "
                        "until then).",
                    },
                    **{
                        name: {"type": "integer", "minimum": 0}
                        for name in (
                            "rows",
                            "issued",
                            "failedRows",
                            "slices",
                            "slicesDone",
                            "slicesFailed",
                        )
                    },
                },
            },
            "result": {
                "type": "object",
                "description": "Once the job has ended.",
                "required": ["issued", "failedRows"],
                "properties": {
                    "issued": {"type": "integer", "minimum": 0},
                    "failedRows": {"type": "integer", "minimum": 0},
                    "error": {
                        "type": "string",
                        "description": "Why the first failed slice failed (or which rows "
                        "the check refused: then nothing was issued).",
                    },
                    "errors": {
                        "type": "array",
                        "description": "The row errors the check found (the first 1,000).",
                        "items": {
                            "type": "object",
                            "required": ["row", "path", "message"],
                            "properties": {
                                "row": {"type": "string"},
                                "path": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
        "example": {
            "id": EXAMPLE_ID,
            "url": f"https://tessera.example/issuers/bbz-hamburg/jobs/{EXAMPLE_ID}",
            "kind": "cohort",
            "state": "running",
            "createdAt": EXAMPLE_TIME,
            "progress": {
                "rows": 100000,
                "checked": True,
                "issued": 41500,
                "failedRows": 0,
                "slices": 200,
                "slicesDone": 83,
                "slicesFailed": 0,
            },
        },
    },
}

#: Further JSON answers of an operation besides its main one: (method, path) -> {status:
#: (schema, example)} (a large cohort is accepted as a job).
MORE_ANSWERS: dict[tuple[str, str], dict[str, tuple[dict[str, Any], Any]]] = {
    ("post", "/issuers/{issuer}/awards/batch"): {
        "202": (ref("Job"), SCHEMAS["Job"]["example"] | {"state": "queued"}),
    },
}

JSON_ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("get", "/issuers/{issuer}/jobs/{job_id}"): ("200", ref("Job"), SCHEMAS["Job"]["example"]),
}


__all__ = ["JSON_ANSWERS", "MORE_ANSWERS", "SCHEMAS"]
