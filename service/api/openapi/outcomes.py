"""The outcomes answers in the OpenAPI document: the report (JSON, CSV, SDMX-CSV, Data
Package) and the signed report, with examples."""

from __future__ import annotations

from typing import Any

_FIGURE = {"type": ["integer", "null"], "minimum": 0}
_REPORT = {
    "type": "object",
    "required": ["provider", "from", "to", "disclosureControl", "indicators"],
    "properties": {
        "provider": {"type": ["string", "null"], "description": "null: across providers"},
        "providerName": {"type": "string"},
        "issuer": {"type": ["string", "null"], "description": "The provider's DID."},
        "from": {"type": "string"},
        "to": {"type": "string"},
        "generatedAt": {"type": "string", "format": "date-time"},
        "disclosureControl": {
            "type": "object",
            "properties": {
                "minimumCount": {"type": "integer", "minimum": 5},
                "roundingBase": {"type": "integer", "minimum": 1},
                "note": {"type": "string"},
            },
        },
        "indicators": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "months", "columns", "cells"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "breakdown": {"type": "string"},
                    "months": {"type": "array", "items": {"type": "string"}},
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "cells": {"type": "array", "items": {"type": "array", "items": _FIGURE}},
                    "monthTotals": {"type": "array", "items": _FIGURE},
                    "columnTotals": {"type": "array", "items": _FIGURE},
                    "total": _FIGURE,
                    "withheld": {"type": "integer"},
                },
            },
        },
    },
}
_DATAPACKAGE = {
    "type": "object",
    "required": ["profile", "resources"],
    "properties": {
        "profile": {"const": "tabular-data-package"},
        "name": {"type": "string"},
        "resources": {"type": "array", "items": {"type": "object"}},
    },
    "description": "Frictionless Data Package (format=datapackage), observations inline.",
}
_EXAMPLE = {
    "provider": "vtc-hamburg",
    "providerName": "Vocational Training Centre Hamburg",
    "issuer": "did:web:localhost%3A8000:issuers:vtc-hamburg",
    "from": "2025-03",
    "to": "2025-04",
    "generatedAt": "2026-01-15T00:00:00Z",
    "disclosureControl": {"minimumCount": 10, "roundingBase": 5, "note": "..."},
    "indicators": [
        {
            "id": "credentialsIssued",
            "title": "Credentials issued (module completions by module)",
            "breakdown": "module",
            "months": ["2025-03", "2025-04"],
            "columns": ["WELD-1", "WELD-2"],
            "cells": [[20, 10], [None, 0]],
            "monthTotals": [30, None],
            "columnTotals": [None, 10],
            "total": 35,
            "withheld": 3,
        }
    ],
}
_CSV_EXAMPLE = (
    "provider,indicator,month,breakdown,value,status\r\n"
    "vtc-hamburg,credentialsIssued,2025-03,WELD-1,20,\r\n"
    "vtc-hamburg,credentialsIssued,2025-04,WELD-1,,withheld\r\n"
)
_SDMX_EXAMPLE = (
    "DATAFLOW,PROVIDER,INDICATOR,BREAKDOWN,TIME_PERIOD,OBS_VALUE,CONF_STATUS,ROUNDING_BASE\r\n"
    "TESSERA:OUTCOMES(1.0),vtc-hamburg,credentialsIssued,WELD-1,2025-03,20,F,5\r\n"
    "TESSERA:OUTCOMES(1.0),vtc-hamburg,credentialsIssued,WELD-1,2025-04,,C,5\r\n"
)
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The indicators, every figure under disclosure control.",
        "content": {
            "application/json": {
                "schema": {"oneOf": [_REPORT, _DATAPACKAGE]},
                "example": _EXAMPLE,
            },
            "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            "application/vnd.sdmx.data+csv": {
                "schema": {"type": "string"},
                "example": _SDMX_EXAMPLE,
            },
        },
    }
}


SIGNED_ANSWERS: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "The signed credential and the CSV whose digest it signs.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["verifiableCredential", "csv"],
                    "properties": {
                        "verifiableCredential": {
                            "type": "object",
                            "required": ["relatedResource", "proof"],
                            "properties": {
                                "relatedResource": {"type": "array"},
                                "proof": {"type": "object"},
                            },
                        },
                        "csv": {"type": "string"},
                    },
                },
                "example": {
                    "verifiableCredential": {
                        "@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": ["VerifiableCredential"],
                        "issuer": "did:web:localhost%3A8000:issuers:vtc-hamburg",
                        "name": "Outcomes of Vocational Training Centre Hamburg, 2025-01 to "
                        "2025-12",
                        "relatedResource": [
                            {
                                "id": "http://localhost:8000/issuers/vtc-hamburg/outcomes"
                                "?from=2025-01&to=2025-12&format=csv",
                                "mediaType": "text/csv",
                                "digestSRI": "sha384-...",
                            }
                        ],
                        "proof": {"type": "DataIntegrityProof"},
                    },
                    "csv": _CSV_EXAMPLE,
                },
            }
        },
    }
}


__all__ = ["ANSWERS", "SIGNED_ANSWERS"]
