from __future__ import annotations

import logging

from tap_smartlead.redaction import REDACTOR, Redactor, install_log_redaction, redact


def test_api_key_query_parameter_is_masked_even_when_unregistered():
    text = "Max retries exceeded with url: /api/v1/campaigns?api_key=abc123XYZ&offset=0"
    assert "abc123XYZ" not in redact(text)
    assert "api_key=***&offset=0" in redact(text)


def test_registered_secrets_and_their_url_encoded_forms_are_masked():
    REDACTOR.add("p@ss w/rd+1")
    for form in ("p@ss w/rd+1", "p%40ss%20w%2Frd%2B1", "p%40ss+w%2Frd%2B1"):
        assert form not in redact(f"value {form} here")


def test_short_strings_are_not_treated_as_secrets():
    REDACTOR.add("ab")
    assert redact("ab cab") == "ab cab"


def test_log_records_and_tracebacks_are_masked(caplog):
    install_log_redaction()
    REDACTOR.add("sekrit-key-42")
    logger = logging.getLogger("tap_smartlead.test")
    with caplog.at_level(logging.INFO):
        logger.info("calling %s", "http://h/x?api_key=sekrit-key-42")
        try:
            raise RuntimeError("boom sekrit-key-42")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "sekrit-key-42" not in text
    assert "api_key=***" in text


def test_many_secrets_cost_little_memory_and_are_all_masked():
    import resource
    import secrets

    redactor = Redactor()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    keys = [secrets.token_urlsafe(24) for _ in range(1200)]
    for key in keys:  # an agency's mailboxes: every secret arrives with its own record
        redactor.add(key)
        redactor.redact("a log line")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 40
    assert redactor.redact(f"x {keys[0]} y {keys[-1]}") == "x *** y ***"


def test_records_with_nothing_to_mask_keep_their_args_for_filters():
    install_log_redaction()
    REDACTOR.add("sekrit-key-77")
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger("tap_smartlead.test.args")
    logger.addHandler(Keep())
    logger.setLevel(logging.INFO)
    point = ("counter", "record_count")  # stands for the SDK's metrics.Point
    logger.info("METRIC: %s", point)  # the SDK's metric filter reads record.args[0]
    logger.info("url %s", "http://h/x?api_key=sekrit-key-77")
    assert seen[0].args == (point,)
    assert seen[0].getMessage() == f"METRIC: {point}"
    assert seen[1].args == ()
    assert "sekrit-key-77" not in seen[1].getMessage()
