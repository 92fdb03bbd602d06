"""The signature of API.md "Webhooks", the same both ways.

The sender signs "<X-Timestamp>.<raw body>" with HMAC-SHA256 under a shared key and sends
`X-Signature: sha256=<hex>`, `X-Timestamp` (Unix seconds) and `X-Event-Id`. A receiver refuses a
timestamp more than 5 minutes from its clock, so a captured request cannot be replayed later, and
takes each event id once.
"""
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime

TOLERANCE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_EVENT_ID = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII, no longer than the column


class Unverified(Exception):
    """Not signed with the shared key, or signed too long ago."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Signature value of `body` sent at `timestamp` (Unix seconds, as sent)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, event_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    stamp = str(timestamp)
    return {"X-Event-Id": event_id, "X-Timestamp": stamp, "X-Signature": signature(secret, stamp, body)}


def verify(secret: str, headers, body: bytes, clocks: Iterable[datetime]) -> tuple[str, str]:
    """(event id, signature) of a signed request, or Unverified. Compared in constant time; the
    timestamp must be within 5 minutes of one of `clocks`."""
    event_id, timestamp, signed = (headers.get(h, "").strip() for h in ("X-Event-Id", "X-Timestamp", "X-Signature"))
    if not (event_id and timestamp and signed):
        raise Unverified("send X-Event-Id, X-Timestamp and X-Signature")
    if not _EVENT_ID.fullmatch(event_id):
        raise Unverified("X-Event-Id must be 1 to 200 visible ASCII characters")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Unverified("X-Timestamp must be Unix seconds")
    expected = signature(secret, timestamp, body).encode()
    if not hmac.compare_digest(expected, signed.lower().encode("utf-8", "replace")):
        raise Unverified("the signature does not match")
    if not any(abs(at.timestamp() - int(timestamp)) <= TOLERANCE_SECONDS for at in clocks):
        raise Unverified("X-Timestamp is more than 5 minutes from the service's clock")
    return event_id, expected.decode()
