"""The one offset pager: every endpoint paged with ``offset``/``limit`` is read through it.

When the first page states the total (``total_key``), the later pages are requested at once on
the worker pool (and the listing read again if it changed meanwhile); when it does not, they are
walked one by one until a short page.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from tap_smartlead.client import SmartleadStream
from tap_smartlead.http_client import GAP, ApiCall
from tap_smartlead.payloads import list_payload

# Reads of a listing that keeps changing under the read, before its partition counts as
# incomplete (bookmark kept).
LISTING_READS = 3


class ReadRows:
    """Every row of one query, read whole (all its pages) by one stream for another that reads
    the same listing: kept on disk past ``memory`` bytes, so that memory does not grow with
    the listing; read once."""

    def __init__(self, rows: Iterable[dict[str, Any]], *, memory: int = 1 << 20) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=memory, mode="w+b")  # noqa: SIM115
        for row in rows:
            self._file.write(json.dumps(row, separators=(",", ":")).encode() + b"\n")

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._file.seek(0)
        try:
            for line in self._file:
                yield json.loads(line)
        finally:
            self._file.close()


def as_count(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def at_offset(first: ApiCall, offset: int) -> ApiCall:
    """The page of the query ``first`` that starts at ``offset``."""
    return dataclasses.replace(first, params={**first.params, "offset": offset})


class OffsetPagedStream(SmartleadStream):
    """A stream that reads an ``offset``/``limit`` endpoint (its own path, or another's)."""

    page_size: ClassVar[int]
    # The key of the first page's answer that states the total; None: no total is sent.
    total_key: ClassVar[str | None] = None

    def first_page(
        self, context: Mapping[str, Any] | None, template: str | None = None, **filters: Any
    ) -> ApiCall:
        """The first page of this stream's path (or ``template``) with ``filters``."""
        return self.call(context, {"offset": 0, "limit": self.page_size, **filters}, template)

    def pages(self, context: dict | None, first: ApiCall, payload: Any) -> Iterator[list[dict]]:
        """Rows of every page of the query ``first``, given the answer to it.

        A listing can change while it is read: a lead deleted after its page was read moves
        every later row one place towards the start, so a row can cross into a page already
        read and be missed. Every page states the total; when a later page states another
        total than the first, the listing changed under the read, and it is read again from
        the start (at most LISTING_READS times; rows read twice are emitted once, see
        ``emit_once``); rows added meanwhile change the total too. So every row that exists
        throughout the read is yielded. (A one-page listing has no later page to tell: a row
        deleted from it moves no row past a page already read.)
        """
        rows = list_payload(payload, first.what)
        yield rows
        total = self.stated_total(payload)
        if total is None:
            yield from self._walk(context, first, len(rows), rows)
            return
        for read in range(1, LISTING_READS + 1):
            changed = False
            offsets = range(self.page_size, total, self.page_size)
            later = (at_offset(first, offset) for offset in offsets)
            for call, answer in self.fan_out(lambda call: self._fetch_page(call, context), later):
                if answer is GAP:
                    self.note_gap(context, call)
                    continue
                stated = self.stated_total(answer)  # a page that states none tells nothing
                changed = changed or (stated is not None and stated != total)
                yield list_payload(answer, first.what)
            if not changed:
                return
            if read == LISTING_READS:
                break
            self.logger.info(
                "%s: %s changed while it was read (total %s, then another); reading it again.",
                self.name, first.what, total,
            )
            again = self._fetch_page(first, context)
            if again is GAP:
                self.note_gap(context, first)
                return
            rows = list_payload(again, first.what)
            yield rows
            total = self.stated_total(again) or 0
        # Still changing after every read: rows may be missing, so the bookmark stays.
        self.note_gap(context, first)

    def _walk(
        self, context: dict | None, first: ApiCall, offset: int, rows: list[dict]
    ) -> Iterator[list[dict]]:
        """The pages after ``offset``, one by one until a short page."""
        while len(rows) == self.page_size:
            call = at_offset(first, offset)
            answer = self._fetch_page(call, context)
            if answer is GAP:
                self.note_gap(context, call)
                return
            rows = list_payload(answer, first.what)
            offset += len(rows)
            yield rows

    def stated_total(self, payload: Any) -> int | None:
        """The total the page's answer states, if this endpoint states one."""
        if self.total_key is None or not isinstance(payload, dict):
            return None
        return as_count(payload.get(self.total_key))

    def rows(self, context: dict | None, answers: list[tuple[ApiCall, Any]]) -> Iterator[dict]:
        """Every row of every page of the queries answered (``emit_once`` drops repeats); a
        query another stream already read whole (``ReadRows``) is not asked again."""
        for call, payload in answers:
            if isinstance(payload, ReadRows):
                yield from payload
                continue
            for page in self.pages(context, call, payload):
                yield from page

    def _fetch_page(self, call: ApiCall, context: dict | None) -> Any:
        # A partition's later page is a later answer: a missing one is transient (GAP if it
        # stays missing); an account-wide list's pages always exist, so an error is an error.
        if context is None:
            return self.fetch(call)
        return self.fetch_later_answer(call, context)
