"""Bounded, order-preserving fan-out of requests over a shared worker pool.

Workers only perform HTTP requests (through the shared rate limiter) and parse the answers;
``items`` is consumed, and records are produced and written, on the caller's thread, in input
order, so Singer output and bookmarks stay exactly as they would be in a sequential sync. A
partition's requests are planned there too, from the state (SmartleadStream.plan_partition):
``func`` gets a finished plan and touches no state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def ordered_map(
    executor: ThreadPoolExecutor | None,
    func: Callable[[In], Out],
    items: Iterable[In],
    *,
    window: int,
) -> Iterator[tuple[In, Out]]:
    """Yield ``(item, func(item))`` in input order, keeping at most ``window`` calls in flight.

    ``items`` is consumed lazily, so neither the input nor the results accumulate. With no
    executor (or a window of 1) the calls run one by one in the caller's thread. If the consumer
    stops early, calls not yet started are cancelled.
    """
    if executor is None or window <= 1:
        for item in items:
            yield item, func(item)
        return

    pending: deque[tuple[In, Future[Out]]] = deque()
    source = iter(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending.append((item, executor.submit(func, item)))
            if not pending:
                return
            item, future = pending.popleft()
            yield item, future.result()
    finally:
        for _, future in pending:
            future.cancel()
