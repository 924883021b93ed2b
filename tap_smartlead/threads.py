"""Message threads of many leads per request: the bulk endpoint, the per-lead one as fallback.

``POST /campaigns/{id}/message-history-for-leads/bbfbdsFGHlBr76ruhjvh6fhHL`` with
``{"lead_ids": [...]}`` answers the threads of a batch of leads keyed by lead id: on the live
API ``{"<lead_id>": {"history": [...]}}``, in the reference's example
``{"data": {"<lead_id>": [...]}}``. One request per batch instead of one per lead is what lets a
backfill run at the pace of the data (notes: "Endpoints beyond the seed").

- Batches hold at most :data:`BATCH_SIZE` ids (the leads listing's page) and never ``null``,
  which the API reads as *every* lead of the campaign (tens of MB).
- A batch answered 400 is split in halves and asked again, down to single leads; a single lead
  the bulk endpoint refuses is asked on the per-lead endpoint. When both halves of a refused
  batch are accepted, the batch was over the server's cap: the half is the batch size for the
  rest of the run.
- The endpoint is not there (405, 501, an answer that is not an object keyed by the lead ids asked,
  or a 404 while the per-lead endpoint answers for the same campaign): one warning, and the
  per-lead endpoint for the rest of the run. A 404 whose leads the per-lead endpoint does not
  know either is a deleted campaign, not a missing endpoint.
- A lead the answer leaves out is asked again, with the others left out, in one more bulk
  request, as long as such re-asks bring threads back: a server that silently truncates a
  batch to its cap loses nothing. Once a re-ask brings none back, and none ever did, the
  server is taken to leave out leads without messages: from then on a lead left out is not
  asked again in bulk. Either way each lead no bulk answer held is asked alone on the per-lead
  endpoint: a thread, or a gap when that answer stays missing, never an empty thread taken for
  granted (a server that leaves out leads with messages too would lose them). An answer
  holding no thread at all but some lead ids is a batch of leads without messages.
- An empty object, an empty body or a 404 is what the live API answers for a deleted campaign,
  and now and then for one that exists: such an answer is asked once more, and if it stays so
  the batch's leads are asked alone, where an answer that stays missing is a gap (the
  partition's bookmark stays), never an empty thread.

Each thread is handed on shaped as the per-lead endpoint answers it (``{"history": [...]}``),
so the stream reads both paths' answers with the same code.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from tap_smartlead.errors import ApiRequestError, NotFoundError
from tap_smartlead.fanout import ordered_map
from tap_smartlead.http_client import GAP, MISSING, RETRY_BASE_SECONDS, ApiCall, Sentinel

if TYPE_CHECKING:
    from tap_smartlead.client import SmartleadStream

BULK_PATH = "/campaigns/{campaign_id}/message-history-for-leads/bbfbdsFGHlBr76ruhjvh6fhHL"
BATCH_SIZE = 100  # the leads listing's page; the API documents no cap
# Bulk requests in flight at once: each answer holds up to 100 threads (about 400 KB).
BULK_IN_FLIGHT = 4

# What a batch's request came to, besides its threads.
_NOT_SERVED = Sentinel("NOT_SERVED")  # the endpoint is not there: per lead from now on
_ASK_ALONE = Sentinel("ASK_ALONE")  # a 404: this batch per lead, then decide
_EMPTY_TWICE = Sentinel("EMPTY_TWICE")  # `{}` or an empty body twice: this batch per lead

LeadThreads = list[tuple[Any, Any]]


class _EmptyAnswer(Exception):
    """A bulk answer that was an empty object or body twice (see the module's docstring)."""


class _NotServed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def keyed_threads(answer: Any, asked: Iterable[Any]) -> dict[str, dict[str, Any]] | None:
    """The threads of an answer keyed by lead id (either form), each as the per-lead endpoint
    shapes it, for the leads ``asked`` that it holds; None when the answer is not keyed by
    lead id at all. An empty object (or body) holds no thread."""
    if answer is None:
        return {}
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
        answer = answer["data"]  # the reference's {"data": {"<lead_id>": [...]}}
    if not isinstance(answer, dict):
        return None
    wanted = {str(lead_id) for lead_id in asked}
    threads: dict[str, dict[str, Any]] = {}
    for key, thread in answer.items():
        if str(key) not in wanted:
            continue  # an envelope's flags ("ok", "success"), not a lead
        if isinstance(thread, list):
            thread = {"history": thread}
        elif not isinstance(thread, dict) or not isinstance(thread.get("history"), list):
            return None
        threads[str(key)] = thread
    if answer and not threads:
        return None  # an object, but of something else (an error, a single thread)
    return threads


class ThreadReader:
    """Reads lead threads for one stream, in bulk while the server serves the bulk endpoint.

    One per run: what it learns (the endpoint is not there, the server's batch cap, whether it
    leaves out leads without messages) holds for the rest of the run.
    """

    def __init__(self, stream: SmartleadStream) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.bulk = True
        self.batch_size = BATCH_SIZE
        self._truncates = False  # a re-ask of left-out leads brought threads back
        self._leaves_out_empty = False  # a re-ask brought none back (and none ever did)

    def threads(
        self,
        context: dict,
        lead_ids: Iterable[Any],
        params: Mapping[str, Any],
        single: Callable[[Any], Any],
    ) -> Iterator[tuple[Any, Any]]:
        """``(lead_id, answer)`` for each lead, in input order: ``answer`` shaped as the
        per-lead endpoint's (or what ``single``, the per-lead request, returned)."""
        source = iter(lead_ids)
        handed: deque[list[Any]] = deque()  # batches requested, not yet handed on

        def batches() -> Iterator[list[Any]]:
            while self.bulk:
                batch = list(islice(source, self.batch_size))
                if not batch:
                    return
                handed.append(batch)
                yield batch

        leftover: list[Any] = []
        window = min(BULK_IN_FLIGHT, self._stream.runtime.max_concurrency)
        asked = ordered_map(
            self._stream.runtime.executor,
            lambda batch: self._ask(context, batch, params, single),
            batches(),
            window=window,
        )
        with closing(asked):
            for batch, result in asked:
                handed.popleft()
                if result is _NOT_SERVED:
                    leftover = batch
                    break
                if result is _EMPTY_TWICE:
                    yield from self._stream.fan_out(single, batch)
                    continue
                if result is _ASK_ALONE:
                    alone = list(self._stream.fan_out(single, batch))
                    yield from alone
                    if any(answer is not MISSING and answer is not GAP for _, answer in alone):
                        # The campaign is there, its bulk endpoint is not.
                        self._not_served(f"404 from {self._what} while {self._stream.what} "
                                         "answers")
                        break
                    continue  # the campaign is gone (every lead MISSING): no verdict
                yield from result
        # What the bulk endpoint did not answer (it is not there): per lead, in order.
        rest = chain(leftover, chain.from_iterable(handed), source)
        yield from self._stream.fan_out(single, rest)

    @property
    def _what(self) -> str:
        return f"POST {BULK_PATH}"

    def _call(self, context: dict, batch: list[Any], params: Mapping[str, Any]) -> ApiCall:
        call = self._stream.call(context, params, BULK_PATH)
        # Lead ids are integers in the API; a listing that sent one as a string gets it back so.
        ids = [int(i) if isinstance(i, str) and i.isdigit() else i for i in batch]
        return dataclasses.replace(call, method="POST", body={"lead_ids": ids})

    def _ask(
        self, context: dict, batch: list[Any], params: Mapping[str, Any],
        single: Callable[[Any], Any],
    ) -> LeadThreads | Sentinel:
        """The threads of ``batch`` in its order (on a worker thread), or what to do instead."""
        if not self.bulk:
            return _NOT_SERVED
        try:
            found, _ = self._bulk(context, batch, params, single)
            # An answer with no thread at all is a batch of leads without messages (or a
            # deleted campaign's `{}`): a truncating server would have kept some.
            missing = [lead for lead in batch if str(lead) not in found] if found else []
            while missing and not self._leaves_out_empty:
                again, _ = self._bulk(context, missing, params, single, empty_ok=True)
                if not again:
                    with self._lock:
                        self._leaves_out_empty = not self._truncates
                    break
                with self._lock:
                    self._truncates = True
                found.update(again)
                missing = [lead for lead in missing if str(lead) not in found]
            # Leads no bulk answer held: the per-lead endpoint has the last word (a thread, or
            # a gap if it stays missing), never an empty thread taken for granted.
            for lead in missing:
                found[str(lead)] = single(lead)
        except NotFoundError:
            return _ASK_ALONE
        except _EmptyAnswer:
            return _EMPTY_TWICE
        except _NotServed as not_served:
            self._not_served(not_served.reason)
            return _NOT_SERVED
        return [(lead, found.get(str(lead), {"history": []})) for lead in batch]

    def _bulk(
        self, context: dict, batch: list[Any], params: Mapping[str, Any],
        single: Callable[[Any], Any],
        *,
        empty_ok: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """One bulk request for ``batch`` (split on a 400): its threads by lead id, and whether
        the server took the batch whole. ``empty_ok``: an empty answer means no thread (a
        re-ask of leads an answer left out), not a missing one."""
        try:
            answer = self._stream.fetch(self._call(context, batch, params), context)
            if not empty_ok and (answer is None or answer == {}):
                self._stream.runtime.pause(RETRY_BASE_SECONDS)
                answer = self._stream.fetch(self._call(context, batch, params), context)
                if answer is None or answer == {}:
                    raise _EmptyAnswer
        except ApiRequestError as error:
            if error.status in (405, 501):
                raise _NotServed(f"{error.status} from {self._what}") from None
            if error.status != 400:
                raise
            if len(batch) == 1:  # refused alone: the per-lead endpoint has the last word
                return {str(batch[0]): single(batch[0])}, False
            half = len(batch) // 2
            first, took_first = self._bulk(context, batch[:half], params, single)
            second, took_second = self._bulk(context, batch[half:], params, single)
            if took_first and took_second:
                with self._lock:  # over the server's cap, not a bad lead: keep under it
                    self.batch_size = min(self.batch_size, half)
            return {**first, **second}, False
        threads = keyed_threads(answer, batch)
        if threads is None:
            raise _NotServed(f"{self._what} answered something other than threads by lead id")
        return threads, True

    def _not_served(self, reason: str) -> None:
        with self._lock:
            if not self.bulk:
                return
            self.bulk = False
        self._stream.logger.warning(
            "The bulk message-history endpoint is not available (%s): reading each lead's "
            "thread on its own for the rest of this run.", reason,
        )
