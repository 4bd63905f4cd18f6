# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""No input to the verifier is a server error or a traceback (a property-based test).

Real credentials (the corpus from other issuers, the W3C vc-di-eddsa vectors, and credentials
this service issues) are mutated by Hypothesis: a value replaced, removed or retyped anywhere,
the JSON text cut short or a byte flipped. Every mutant goes to ``POST /credentials/verify``,
``POST /presentations/verify`` (inside a presentation), the ``/verify`` page (pasted and
uploaded) and ``tessera verify``. Each answer must be a verdict or a 4xx problem: never a 5xx,
never an exception escaping a handler (the test client re-raises those), and the CLI exits
0, 1 or 2 without a traceback.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import W3C_VECTORS
from factories import presentation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verification_support import award, make_public, public  # noqa: F401

from service.api.limits import PublicEndpoint

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
REAL = [
    json.loads((CORPUS / e["file"]).read_text(encoding="utf-8"))
    for e in MANIFEST["files"]
    if e["kind"] == "credential"
][::6]  # a spread of VC 1.1/2.0, both suites, did:key/did:web, with and without status
VECTORS = [
    json.loads((W3C_VECTORS / path).read_text(encoding="utf-8"))
    for path in (
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-jcs-2022/signedJCS.json",
        "Ed25519Signature2020/signedEdSig.json",
    )
    if (W3C_VECTORS / path).is_file()
]
EXAMPLES = 40
ACCEPTABLE_API = {200, 400, 413, 422, 429}
ACCEPTABLE_PAGE = {200, 404, 413, 422, 429}

odd_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            "did:key:z6Mk",
            "did:web:",
            "https://evil.example/ctx",
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/ns/credentials/v2",
            "2025-13-45T99:99:99Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59Z",
            "z" + "1" * 200,
            "u" + "A" * 50,
            "\ud800",
            "\u202e",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["@context", "@id", "@type", "@value", "@list", "id", "type", "x"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)


def _slots(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document a value sits: its path from the top."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _slots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _slots(item, (*path, index))


@st.composite
def mutants(draw: st.DrawFn, sources: list[dict[str, Any]]) -> bytes:
    """A real credential, changed in one of the ways a careless or hostile sender would."""
    document = copy.deepcopy(draw(st.sampled_from(sources)))
    how = draw(st.sampled_from(["replace", "delete", "retype", "truncate", "flip", "keep"]))
    slots = list(_slots(document))
    if how in ("replace", "delete", "retype") and slots:
        top = [slot for slot in slots if len(slot) == 1]  # where most checks look first
        path = draw(st.sampled_from(top) | st.sampled_from(slots))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        if how == "delete":
            del parent[path[-1]]
        elif how == "retype":
            old = parent[path[-1]]
            parent[path[-1]] = [old] if not isinstance(old, list) else {"@list": old}
        else:
            parent[path[-1]] = draw(odd_values)
    text = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if how == "truncate":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    elif how == "flip" and text:
        at = draw(st.integers(min_value=0, max_value=len(text) - 1))
        text = text[:at] + bytes([text[at] ^ draw(st.integers(1, 255))]) + text[at + 1 :]
    return text


def _as_json(text: bytes) -> Any:
    try:
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


@pytest.fixture
def sources(award: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    return [award(), *REAL, *VECTORS]


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(data=st.data())
def test_the_api_answers_every_mutant_with_a_verdict_or_a_4xx(
    data: st.DataObject, client: Any, public: PublicEndpoint, sources: list[dict[str, Any]]
) -> None:
    text = data.draw(mutants(sources))
    parsed = _as_json(text)
    body = b'{"verifiableCredential": ' + text + b', "options": {}}'
    response = client.post(
        "/credentials/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code in ACCEPTABLE_API, response.text
    assert isinstance(response.json(), dict)
    wrapped = presentation(parsed) if parsed is not None else presentation()
    wrapped["verifiableCredential"].append(parsed)
    for options in ({}, {"challenge": "abc"}):
        # ASCII-escaped, so a lone surrogate reaches the server as the JSON text \ud800
        envelope = {"verifiablePresentation": wrapped, "options": options}
        answer = client.post(
            "/presentations/verify",
            content=json.dumps(envelope).encode("ascii"),
            headers={"content-type": "application/json"},
        )
        assert answer.status_code in ACCEPTABLE_API, answer.text
        assert isinstance(answer.json(), dict)
    raw_presentation = client.post(
        "/presentations/verify",
        content=b'{"verifiablePresentation": ' + text + b"}",
        headers={"content-type": "application/json"},
    )
    assert raw_presentation.status_code in ACCEPTABLE_API, raw_presentation.text


@SETTINGS
@given(data=st.data())
def test_the_page_answers_every_mutant_with_a_page(
    data: st.DataObject, client: Any, public: PublicEndpoint, sources: list[dict[str, Any]]
) -> None:
    text = data.draw(mutants(sources))
    pasted = client.post("/verify?lang=en", data={"text": text.decode("utf-8", "replace")})
    assert pasted.status_code in ACCEPTABLE_PAGE, pasted.text[:500]
    assert pasted.headers["content-type"].startswith("text/html")
    uploaded = client.post(
        "/verify?lang=ar", files={"file": ("credential.json", text, "application/json")}
    )
    assert uploaded.status_code in ACCEPTABLE_PAGE, uploaded.text[:500]
    assert uploaded.headers["content-type"].startswith("text/html")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from cli_support import Cli, service_env

    runner = Cli(monkeypatch, service_env(tmp_path))
    installed = runner("contexts", "install")
    assert installed.exit_code == 0, installed.output
    return runner


@SETTINGS
@given(data=st.data())
def test_the_cli_answers_every_mutant_with_an_exit_code(
    data: st.DataObject, cli: Any, tmp_path: Path
) -> None:
    sources = [*REAL, *VECTORS]
    text = data.draw(mutants(sources))
    path = tmp_path / "credential.json"
    path.write_bytes(text)
    lists = tmp_path / "lists"
    lists.mkdir(exist_ok=True)
    if data.draw(st.booleans()):  # the same mutant inside a presentation
        parsed = _as_json(text)
        path.write_text(json.dumps(presentation(parsed)), encoding="utf-8")
    extra = data.draw(
        st.sampled_from(
            [(), ("--status-dir", str(lists)), ("--format", "text"), ("--challenge", "abc")]
        )
    )
    result = cli("verify", str(path), "--offline", *extra)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
