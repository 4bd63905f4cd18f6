"""The verifier's country, for employer engagement counted by country (issue 15), and only
when the operator opts in with a local MaxMind-format database (``TESSERA_GEOIP_DB``, e.g.
GeoLite2-Country.mmdb): never an outside service.

An address is looked up in memory and dropped: what leaves this module is an ISO 3166-1
alpha-2 code or ``""`` (unknown: no database, an address it does not list, an IPv6 address in
an IPv4-only database). The counters keep only monthly sums per provider and country.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Protocol

from service.errors import ConfigurationError

_CODE = re.compile(r"^[A-Z]{2}$")


class CountryLookup(Protocol):
    def country(self, address: str | None) -> str:
        """The address's country code, or ``""`` when unknown."""


class NoCountries:
    """No database configured: every verifier's country is unknown."""

    def country(self, address: str | None) -> str:
        return ""


class MaxMindCountries:
    """Countries from a MaxMind DB file (GeoLite2/GeoIP2 Country or City layout: the
    ``country`` record's ``iso_code``, else ``registered_country``'s)."""

    def __init__(self, path: Path) -> None:
        import maxminddb  # only when the operator configured a database

        try:
            self._reader = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as err:
            raise ConfigurationError(
                f"TESSERA_GEOIP_DB={path}: cannot read it as a MaxMind DB file ({err}); "
                "point it at a GeoLite2-Country.mmdb (or GeoIP2 Country/City) or unset it."
            ) from None

    def country(self, address: str | None) -> str:
        if not address:
            return ""
        try:
            found: Any = self._reader.get(ipaddress.ip_address(address))
        except ValueError:  # not an address, or IPv6 in an IPv4-only database
            return ""
        if not isinstance(found, dict):
            return ""
        for field in ("country", "registered_country"):
            entry = found.get(field)
            code = entry.get("iso_code") if isinstance(entry, dict) else None
            if isinstance(code, str) and _CODE.match(code):
                return code
        return ""

    def close(self) -> None:
        self._reader.close()


def country_lookup(path: Path | None) -> CountryLookup:
    """The lookup for ``TESSERA_GEOIP_DB`` (``None``: unknown everywhere). Raises
    :class:`ConfigurationError` when the file cannot be read as a MaxMind DB."""
    return NoCountries() if path is None else MaxMindCountries(path)


__all__ = ["CountryLookup", "MaxMindCountries", "NoCountries", "country_lookup"]
