"""API keys for the ingest API: issued once, stored as a salted PBKDF2-SHA256 hash.

A key reads `ck_<prefix>_<secret>`. The prefix finds the row; the secret is checked against
the stored hash with a constant-time comparison.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import utcnow
from .models import ApiKey

ITERATIONS = 60_000
SCHEME = "ck"


def _hash(secret: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), ITERATIONS).hex()


def create_key(session: Session, name: str = "default") -> str:
    """Store a new key and return it in full; it cannot be read back later."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    session.add(ApiKey(name=name, prefix=prefix, salt=salt, key_hash=_hash(secret, salt), created_at=utcnow()))
    session.flush()
    return f"{SCHEME}_{prefix}_{secret}"


def verify(session: Session, key: str) -> ApiKey | None:
    """The key's row when `key` is valid and not revoked, else None."""
    parts = (key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME:
        return None
    row = session.execute(select(ApiKey).where(ApiKey.prefix == parts[1])).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        _hash(parts[2], "00" * 16)  # same work either way
        return None
    return row if hmac.compare_digest(_hash(parts[2], row.salt), row.key_hash) else None
