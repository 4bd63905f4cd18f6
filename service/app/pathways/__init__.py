"""Pathways: modules that stack into qualifications, and the automatic award.

After module credentials are issued (one award, a cohort, an RPL outcome) or a learner
presents a recognized provider's module credential, :func:`qualify` looks at each learner
concerned (their wallet link at the provider: the same ``learnerId`` and name) and at every
programme of the provider that has completion rules. When the learner's live credentials
satisfy a programme (``service.credentials.completion``), it issues, in the provider's name:

* the qualification, an Open Badges 3.0 credential for the programme whose ``evidence`` and
  ``relatedResource`` name each module credential by id and ``digestMultibase``;
* a CLR 2.0 ``ClrCredential`` bundling the module credentials and the qualification.

One qualification per learner and programme version: the database's unique constraint
decides between concurrent requests, and the loser's signed documents are discarded
unstored. Revoked or suspended module credentials do not count; revoking one that a
qualification relied on flags the qualification for the provider's review
(``service.app.status_lists`` flags on every revocation or suspension; see also
``service.app.recognition.recheck``).

The package: :mod:`.holdings` (what a learner holds, which programmes the rules say they
complete, the progress their wallet shows), :mod:`.award` (:func:`qualify`, the award use
case) and :mod:`.review` (the provider's list, and its decision on a flagged qualification).
"""

from service.app.pathways.award import Awarded, programme_achievement, qualify, qualify_holders
from service.app.pathways.holdings import (
    RPL_MARKER,
    Progress,
    accepts_external,
    holdings,
    is_rpl,
    learner_progress,
    programme_version,
)
from service.app.pathways.review import (
    describe,
    get_qualification,
    list_qualifications,
    review_qualification,
)

__all__ = [
    "RPL_MARKER",
    "Awarded",
    "Progress",
    "accepts_external",
    "describe",
    "get_qualification",
    "holdings",
    "is_rpl",
    "learner_progress",
    "list_qualifications",
    "programme_achievement",
    "programme_version",
    "qualify",
    "qualify_holders",
    "review_qualification",
]
