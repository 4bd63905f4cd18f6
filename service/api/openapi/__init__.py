"""The OpenAPI document: :mod:`.document` completes what FastAPI derives from the routes with
the typed answers and the problem+json errors, and serves it at ``/openapi.json``. The answers:
:mod:`.components` (schemas and shared examples), :mod:`.answers` (JSON answers, merging the
area tables :mod:`.ops`, :mod:`.verification`, :mod:`.jobs`,
:mod:`.pathways`, :mod:`.oid4vc`) and
:mod:`.files` (other media types); :mod:`.errors` documents the problem+json and page errors."""

from service.api.openapi.document import install

__all__ = ["install"]
