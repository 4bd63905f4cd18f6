"""Pure credential domain: Open Badges 3.0 documents from modules and awards, request schemas."""

from service.credentials.openbadges import (
    Award,
    IssuerProfile,
    build_achievement,
    build_credential,
    credential_status,
)
from service.credentials.schemas import find_sensitive, validate

__all__ = [
    "Award",
    "IssuerProfile",
    "build_achievement",
    "build_credential",
    "credential_status",
    "find_sensitive",
    "validate",
]
