"""API keys for the ingest API: issued once, stored as a salted PBKDF2-SHA256 hash.

A key reads `ck_<prefix>_<secret>`. The prefix finds the row; the secret is checked against
the stored hash with a constant-time comparison. A key not of that form is refused before any
database lookup or hashing.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import utcnow
from .models import ApiKey

ITERATIONS = 60_000
SCHEME = "ck"
KEY_FORM = re.compile(rf"{SCHEME}_([0-9a-f]{{8}})_([A-Za-z0-9_-]{{32}})")  # what create_key issues


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
    form = KEY_FORM.fullmatch((key or "").strip()) if isinstance(key, str) else None
    if form is None:
        return None
    prefix, secret = form.groups()
    row = session.execute(select(ApiKey).where(ApiKey.prefix == prefix)).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        _hash(secret, "00" * 16)  # same work either way
        return None
    return row if hmac.compare_digest(_hash(secret, row.salt), row.key_hash) else None


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).order_by(ApiKey.created_at)).scalars())


def revoke(session: Session, prefix: str) -> ApiKey | None:
    """Revoke the key with this prefix (from then on it gets 403); None when there is none."""
    row = session.execute(select(ApiKey).where(ApiKey.prefix == prefix)).scalar_one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
