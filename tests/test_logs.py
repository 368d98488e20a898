"""The log filter masks known secrets and credential patterns, in messages and tracebacks."""

from __future__ import annotations

import io
import logging

from pulse.logs import SecretMaskingFilter


def make_logger(masker: SecretMaskingFilter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(masker)
    logger = logging.Logger("test-logs")
    logger.addHandler(handler)
    return logger, stream


def test_known_secrets_are_masked_in_messages_and_args() -> None:
    masker = SecretMaskingFilter()
    masker.set_secrets(["node-password-1", "ab"])  # too short to mask by value
    logger, stream = make_logger(masker)
    logger.warning("login with %s failed for ab", "node-password-1")
    assert stream.getvalue() == "login with *** failed for ab\n"


def test_longest_secret_wins() -> None:
    masker = SecretMaskingFilter()
    masker.set_secrets(["secret", "secret-extended"])
    assert masker.mask("x secret-extended y") == "x *** y"


def test_credential_patterns_are_masked_even_when_unknown() -> None:
    masker = SecretMaskingFilter()
    text = (
        "Authorization: PVEAPIToken=pulse@pam!mon=1234-abcd "
        "PBSAPIToken=pulse@pbs!mon:ffff-0000 cookie PVEAuthCookie=PVE:root@pam:ABC "
        'body {"password": "pw123"} url?token=tok999&x=1'
    )
    masked = masker.mask(text)
    for leaked in ("1234-abcd", "ffff-0000", "PVE:root@pam:ABC", "pw123", "tok999"):
        assert leaked not in masked
    assert "PVEAPIToken=***" in masked


def test_tracebacks_are_masked() -> None:
    masker = SecretMaskingFilter()
    masker.set_secrets(["smtp-pass-42"])
    logger, stream = make_logger(masker)
    try:
        raise ValueError("bad smtp-pass-42")
    except ValueError:
        logger.exception("send failed")
    output = stream.getvalue()
    assert "smtp-pass-42" not in output
    assert "ValueError: bad ***" in output
