"""A learner's data rights: see what the service holds, take it away, have it erased.

GDPR Articles 15 (access), 20 (portability) and 17 (erasure). A learner is found within one
provider by a wallet link (what the learner holds), a learner reference or credential ids (what
the provider holds). :func:`learner_record` lists everything stored about them; :func:`bundle`
packs it as a ZIP (each credential as its own file, exactly as signed, plus ``record.json``).

:func:`erase` deletes the stored credential documents (the only place the name is kept), the
wallet links (token hashes, learner references, language) and the internal revocation
reasons; each status entry stays, detached from any record, so its index is never handed out
again and a revoked bit stays published. A learner's downloaded credential still verifies:
the proof and the status list do not depend on the stored copy. One audit event says an
erasure happened, with counts and no name. Erasing again finds nothing and changes nothing.

A learner asks from their wallet page (:func:`request_erasure`); the provider confirms
(:func:`confirm_erasure`), or the operator's ``TESSERA_ERASURE_AUTO_CONFIRM`` carries it out
at once.
"""

from service.app.learner_data.erasure import (
    ErasureReport,
    ErasureRequested,
    confirm_erasure,
    describe_request,
    erase,
    pending_requests,
    request_erasure,
)
from service.app.learner_data.export import NOT_RECORDED, bundle, learner_record
from service.app.learner_data.selection import Found, Selection, find

__all__ = [
    "NOT_RECORDED",
    "ErasureReport",
    "ErasureRequested",
    "Found",
    "Selection",
    "bundle",
    "confirm_erasure",
    "describe_request",
    "erase",
    "find",
    "learner_record",
    "pending_requests",
    "request_erasure",
]
