"""The one offset pager: every endpoint paged with ``offset``/``limit`` is read through it.

When the first page states the total (``total_key``), the later pages are requested at once on
the worker pool; when it does not, they are walked one by one until a short page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from tap_smartlead.client import SmartleadStream, describe
from tap_smartlead.http_client import MISSING, ApiCall
from tap_smartlead.payloads import list_payload


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
    # What identifies a row when several queries (say new leads and active leads) overlap.
    row_key: ClassVar[str | None] = None

    def first_page(
        self, context: Mapping[str, Any] | None, template: str | None = None, **filters: Any
    ) -> ApiCall:
        """The first page of this stream's path (or ``template``) with ``filters``."""
        return self.call(context, {"offset": 0, "limit": self.page_size, **filters}, template)

    def pages(self, context: dict | None, first: ApiCall, payload: Any) -> Iterator[list[dict]]:
        """Rows of every page of the query ``first``, given the answer to it."""
        rows = list_payload(payload, first.what)
        yield rows
        total = self.stated_total(payload)
        if total is None:  # walk the pages one by one until a short one
            offset = len(rows)
            while len(rows) == self.page_size:
                answer = self._fetch_page(at_offset(first, offset), context)
                if answer is MISSING:
                    return
                rows = list_payload(answer, first.what)
                offset += len(rows)
                yield rows
            return
        offsets = range(self.page_size, total, self.page_size)
        later = (at_offset(first, offset) for offset in offsets)
        for _, answer in self.fan_out(lambda call: self._fetch_page(call, context), later):
            if answer is MISSING:
                assert context is not None
                self.runtime.report_missing(self.logger, self.name, describe(context))
                return
            yield list_payload(answer, first.what)

    def stated_total(self, payload: Any) -> int | None:
        """The total the first page's answer states, if this endpoint states one."""
        if self.total_key is None or not isinstance(payload, dict):
            return None
        return as_count(payload.get(self.total_key))

    def rows(self, context: dict | None, answers: list[tuple[ApiCall, Any]]) -> Iterator[dict]:
        """Every row of every page of the queries answered, each row once: queries overlap
        (new leads and active leads) and the live API lists the same lead twice."""
        seen: set[Any] = set()
        for call, payload in answers:
            for page in self.pages(context, call, payload):
                for row in page:
                    key = row.get(self.row_key) if self.row_key else None
                    if key is not None:
                        if key in seen:
                            continue
                        seen.add(key)
                    yield row

    def _fetch_page(self, call: ApiCall, context: dict | None) -> Any:
        # A partition's page may find its parent deleted (MISSING); an account-wide list's
        # pages always exist, so an error there is an error.
        if context is None:
            return self.fetch(call)
        return self.fetch_unless_missing(call, context)
