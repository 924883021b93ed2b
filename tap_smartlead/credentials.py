"""Credentials where they live: in the API's mailbox objects, found by name at any depth.

Mailbox routes (``/email-accounts``, ``/email-accounts/{id}``, ``/campaigns/{id}/email-accounts``)
return ``password`` and ``imap_password``; the live API adds fields nobody listed, and one of
them could be an SMTP, IMAP or integration token. Inside a mailbox object, a field is a
credential when a word of its name (split on ``_``, ``-``, spaces and camelCase) says password,
secret, token, credential(s) or key, unless its last word is ``id``: ``warmup_key_id`` names a
key, it is not one. The field is dropped from the record and its value is registered with the
redactor, so it is masked wherever it might still surface (a log line, an exception).

Nowhere else: a lead list's own custom field named "Secret Santa" or "Sort Key", a click map, a
lead's fields are the user's data, emitted as sent (streams opt in with
``SmartleadStream.carries_mailboxes``). The api key is the other credential; it lives in the
config and is masked by the redactor.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from tap_smartlead.redaction import REDACTOR

CREDENTIAL_WORDS = frozenset(
    {"password", "passwd", "pwd", "secret", "token", "key", "apikey", "credential", "credentials"}
)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@lru_cache(maxsize=4096)
def is_credential_name(name: str) -> bool:
    words = [word.lower() for word in _WORD.findall(name)]
    if not words or words[-1] == "id":
        return False
    return any(word in CREDENTIAL_WORDS for word in words)


def _register(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _register(item)
    elif isinstance(value, list):
        for item in value:
            _register(item)
    elif value is not None and not isinstance(value, bool):
        REDACTOR.add(str(value))


def scrub_credentials(value: Any) -> Any:
    """A mailbox object (or a list of them) without credential fields at any depth (a copy only
    where one was found). Only for mailbox objects: see the module's docstring."""
    if isinstance(value, dict):
        clean: dict[str, Any] | None = None
        for key, item in value.items():
            if isinstance(key, str) and is_credential_name(key):
                _register(item)
                if clean is None:
                    clean = {k: v for k, v in value.items() if k != key}
                else:
                    clean.pop(key, None)
                continue
            scrubbed = scrub_credentials(item)
            if scrubbed is not item:
                if clean is None:
                    clean = dict(value)
                clean[key] = scrubbed
        return value if clean is None else clean
    if isinstance(value, list):
        items = [scrub_credentials(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value
