"""The public verifier's concurrency gate (:class:`ConcurrencyGate`): how many verifications
run at once in a process, how many wait, and how much of that one client may hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any

from service.errors import RateLimited, VerifierBusy


class ConcurrencyGate:
    """At most ``limit`` verifications at once in this event loop, and at most ``per_client``
    of them for any one client; up to ``max_waiting`` more wait up to ``wait_seconds`` for a
    turn (``per_client_waiting`` of them per client). Beyond the shared queue the answer is
    :class:`VerifierBusy` (503); beyond a client's own share, :class:`RateLimited` (429): the
    client is asking for too much at once, the service is not overloaded.

    Why per client. Verification is CPU-bound and the slots are few (about the core count),
    so whoever holds them decides everyone's latency. The rate limit bounds how *often* a
    client may ask, not how much work each request costs: a client sending documents that
    each burn the whole work budget (a poison graph that slips past the cheap checks, a PDF
    that takes seconds to render) at its permitted rate would hold every slot, and genuine
    requests would queue behind it until they got 503. With a per-client cap, such a client
    holds at most ``per_client`` slots and queues behind *itself*: its surplus requests wait
    on its own semaphore (never in the shared queue, where they would delay others) and, past
    ``per_client_waiting``, are refused at once (429). Genuine clients keep ``limit - per_client``
    slots and an asyncio semaphore's FIFO turn. Early refusal (blank-node checks before
    canonicalization) and the small work budget make each hostile request cheap; this makes
    sure that even the costly ones cannot starve anyone else. Many addresses at once are a
    distributed attack, which the rate limiter and the network in front must meet.
    """

    def __init__(
        self,
        *,
        limit: int,
        max_waiting: int,
        wait_seconds: float,
        in_thread: bool = True,
        per_client: int | None = None,
        per_client_waiting: int = 8,
    ) -> None:
        self.limit = limit
        self.in_thread = in_thread
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self.per_client = max(1, min(per_client if per_client is not None else limit, limit))
        self.per_client_waiting = per_client_waiting
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None
        #: Per client with a request in the gate: its semaphore and how many requests it has.
        self._clients: dict[Hashable, tuple[asyncio.Semaphore, int]] = {}
        self.waiting = 0
        self.running = 0

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.limit)
            self._clients = {}
        return self._semaphore

    def clients(self) -> int:
        """Clients with a request running or waiting (for tests and metrics)."""
        return len(self._clients)

    async def run(self, work: Callable[[], Any], *, client: Hashable = None) -> Any:
        """Run ``work`` (in a worker thread unless ``in_thread`` is false) once a slot is free
        and ``client`` (any hashable key; ``None``: no per-client cap) is below its share."""
        semaphore = self._gate()
        if client is None:
            return await self._run(semaphore, work, self.wait_seconds)
        own, count = self._clients.get(client, (None, 0))
        if own is None:
            own = asyncio.Semaphore(self.per_client)
        if count >= self.per_client + self.per_client_waiting:
            raise RateLimited(1.0)  # this client's own backlog is full
        self._clients[client] = (own, count + 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            try:
                await asyncio.wait_for(own.acquire(), self.wait_seconds)
            except TimeoutError:  # waited behind this client's own requests
                raise RateLimited(1.0) from None
            try:
                remaining = self.wait_seconds - (loop.time() - started)
                return await self._run(semaphore, work, max(remaining, 0.0))
            finally:
                own.release()
        finally:
            own, count = self._clients[client]
            if count <= 1:
                del self._clients[client]
            else:
                self._clients[client] = (own, count - 1)

    async def _run(
        self, semaphore: asyncio.Semaphore, work: Callable[[], Any], wait_seconds: float
    ) -> Any:
        if semaphore.locked():
            if self.waiting >= self.max_waiting:
                raise VerifierBusy()
            self.waiting += 1
            try:
                await asyncio.wait_for(semaphore.acquire(), wait_seconds)
            except TimeoutError:
                raise VerifierBusy() from None
            finally:
                self.waiting -= 1
        else:
            await semaphore.acquire()
        self.running += 1
        try:
            return await asyncio.to_thread(work) if self.in_thread else work()
        finally:
            self.running -= 1
            semaphore.release()


__all__ = ["ConcurrencyGate"]
