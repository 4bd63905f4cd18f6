"""A MaxMind DB file written by hand (MaxMind DB File Format Specification 2.0), so the GeoIP
tests need no downloaded database: an IPv4 search tree with 24-bit records, a data section of
GeoLite2-Country-shaped records ({"country": {"iso_code": ...}}) and the metadata map."""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path
from typing import Any

_NO_DATA = object()


def _uint(type_id: int, value: int) -> bytes:
    payload = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return _control(type_id, len(payload)) + payload


def _control(type_id: int, size: int) -> bytes:
    if size >= 29:
        raise ValueError("this small writer only writes short fields")
    if type_id <= 7:
        return bytes([(type_id << 5) | size])
    return bytes([size, type_id - 7])  # extended type


def encode(value: Any) -> bytes:
    """A value in the data-section encoding (maps, strings, arrays, unsigned integers)."""
    if isinstance(value, str):
        raw = value.encode()
        return _control(2, len(raw)) + raw
    if isinstance(value, dict):
        return _control(7, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, list):
        return _control(11, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, tuple):  # (type id, int): uint16 = 5, uint32 = 6, uint64 = 9
        return _uint(*value)
    raise TypeError(value)


def write_mmdb(path: Path, networks: dict[str, str]) -> Path:
    """An IPv4 database mapping each network (``"203.0.113.0/24"``) to a country code."""
    data = b""
    offsets: dict[str, int] = {}
    for code in sorted(set(networks.values())):
        offsets[code] = len(data)
        data += encode({"country": {"iso_code": code, "names": {"en": code}}})
    nodes: list[list[Any]] = [[_NO_DATA, _NO_DATA]]
    for network, code in networks.items():
        net = ipaddress.IPv4Network(network)
        bits = format(int(net.network_address), "032b")[: net.prefixlen]
        node = 0
        for depth, bit in enumerate(bits):
            side = int(bit)
            if depth == len(bits) - 1:
                nodes[node][side] = ("data", offsets[code])
            else:
                if not isinstance(nodes[node][side], int):
                    nodes.append([_NO_DATA, _NO_DATA])
                    nodes[node][side] = len(nodes) - 1
                node = nodes[node][side]
    count = len(nodes)

    def record(entry: Any) -> int:
        if entry is _NO_DATA:
            return count
        if isinstance(entry, tuple):
            return count + 16 + entry[1]
        return int(entry)

    tree = b"".join(
        struct.pack(">I", record(left))[1:] + struct.pack(">I", record(right))[1:]
        for left, right in nodes
    )
    metadata = encode(
        {
            "node_count": (6, count),
            "record_size": (5, 24),
            "ip_version": (5, 4),
            "database_type": "Tessera-Test-Country",
            "languages": ["en"],
            "binary_format_major_version": (5, 2),
            "binary_format_minor_version": (5, 0),
            "build_epoch": (9, 1_767_225_600),
            "description": {"en": "Test networks only"},
        }
    )
    path.write_bytes(tree + bytes(16) + data + b"\xab\xcd\xefMaxMind.com" + metadata)
    return path
