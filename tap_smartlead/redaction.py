"""Keep secrets out of every byte the tap writes.

Smartlead takes the API key only as a query parameter, so every URL carries it, and `requests`
puts full URLs into its exception messages. Mailbox passwords arrive inside API responses. Both
are replaced by ``***`` in log messages, tracebacks and exception texts.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from tap_smartlead.sdk_private import install_record_factory

MASK = "***"
_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s'\"<>]+", re.IGNORECASE)
# Secrets shorter than this would mask ordinary words; a key or password never is.
_MIN_SECRET_LENGTH = 4


class Redactor:
    """Masks every registered secret (and its URL-encoded forms) in text.

    Secrets are literal strings, so they are replaced as such, longest first. Not one regular
    expression of them all: it would be compiled again for every new secret, and Python's
    pattern cache keeps each of those ever larger patterns (measured: 140 MB for an agency's
    1,200 mailbox secrets).
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._longest_first: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, secret: object) -> None:
        if not isinstance(secret, str) or len(secret) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            forms = {secret, quote(secret, safe=""), quote_plus(secret)}
            if forms <= self._secrets:
                return
            self._secrets |= forms
            self._longest_first = tuple(sorted(self._secrets, key=len, reverse=True))

    def redact(self, text: str) -> str:
        text = _API_KEY_PARAM.sub(rf"\g<1>{MASK}", text)
        for secret in self._longest_first:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


REDACTOR = Redactor()


def redact(text: object) -> str:
    return REDACTOR.redact(str(text))


class _RedactingRecordFactory:
    """Masks secrets in every log record's message (and traceback).

    A record with nothing to mask keeps its ``msg`` and ``args`` as logged: filters read them
    (the SDK's metric filter takes the metric from ``record.args[0]``). Only a record whose
    rendered message held a secret is replaced by its masked rendering (and no args).
    """

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not hide the original record
            message = str(record.msg)
        masked = redact(message)
        if masked != message or not isinstance(record.msg, str):
            record.msg = masked
            record.args = ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record


def install_log_redaction() -> None:
    """Mask secrets in every log record of the process, whoever logs it."""
    if not isinstance(logging.getLogRecordFactory(), _RedactingRecordFactory):
        install_record_factory(_RedactingRecordFactory)
    # urllib3 logs full request lines (query string included) at DEBUG.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
