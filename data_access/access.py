"""Users and roles, signed links (embedded panels, wall screens) and the audit log (issue 13).

Roles, from the most to the least trusted:

    admin         everything, users, the audit log
    duty_officer  sees personal data, acknowledges alarms
    leader        every board, list and case, personal data masked
    viewer        the same as leader
    wall          a screen: boards and playlists, read-only, personal data masked

Passwords are hashed with werkzeug's scrypt. A signed link's token (itsdangerous, keyed by the
app's SECRET_KEY) carries what it grants; its row here lets it be listed and revoked.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import utcnow
from .models_access import AuditEntry, SignedLink, User

ROLES = ("admin", "duty_officer", "leader", "viewer", "wall")
# Who may see reporters' names, phones and exact addresses.
PERSONAL_DATA_ROLES = frozenset({"admin", "duty_officer"})
USERNAME = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
MIN_PASSWORD = 8
LINK_KINDS = ("embed", "wall")
_SALT = "cockpit-signed-link"


class AccessError(ValueError):
    """A request about users or links that cannot be done; the message says why."""


def sees_personal_data(role: str | None) -> bool:
    return role in PERSONAL_DATA_ROLES


# ---- users ----

def add_user(session: Session, username: str, password: str, role: str, display_name: str = "",
             jurisdiction_code: str | None = None, region_codes: list[str] | tuple[str, ...] = ()) -> User:
    if not USERNAME.fullmatch(username or ""):
        raise AccessError(f"username {username!r}: 2–64 letters, digits or _ . @ -")
    if role not in ROLES:
        raise AccessError(f"role {role!r}: one of {', '.join(ROLES)}")
    _check_password(password)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise AccessError(f"user {username!r} exists")
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=generate_password_hash(password), jurisdiction_code=jurisdiction_code,
                region_codes=",".join(region_codes), created_at=utcnow())
    session.add(user)
    session.flush()
    return user


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccessError(f"password: at least {MIN_PASSWORD} characters")


def user_named(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccessError(f"no user {username!r}")
    return user


def set_password(session: Session, username: str, password: str) -> None:
    _check_password(password)
    user_named(session, username).password_hash = generate_password_hash(password)


def set_disabled(session: Session, username: str, disabled: bool = True) -> None:
    user_named(session, username).disabled_at = utcnow() if disabled else None


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


# A hash to check against when the user does not exist, so both answers take as long.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The enabled user with this name and password, else None; records the login time."""
    user = session.execute(select(User).where(User.username == (username or "")[:64])).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or user.disabled_at is not None:
        return None
    user.last_login_at = utcnow()
    return user


def active_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.disabled_at is None else None


# ---- signed links ----

@dataclass(frozen=True)
class Grant:
    """What a valid signed link allows."""

    link_id: str
    kind: str
    target: str
    filters: str  # locked query string
    origins: tuple[str, ...]
    expires_at: datetime


class LinkRefused(Exception):
    """A signed link that is not valid: reason is "tampered", "expired" or "revoked"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def create_link(session: Session, secret_key: str, kind: str, target: str, expires_in: timedelta,
                filters: str = "", origins: tuple[str, ...] = (), note: str = "", created_by: str = "cli") -> str:
    """Store a new signed link and return its token."""
    if kind not in LINK_KINDS:
        raise AccessError(f"kind {kind!r}: one of {', '.join(LINK_KINDS)}")
    if expires_in <= timedelta(0):
        raise AccessError("expiry must be in the future")
    now = utcnow()
    link = SignedLink(id=secrets.token_hex(8), kind=kind, target=target, filters=filters, origins=" ".join(origins),
                      note=note[:128], created_by=created_by, created_at=now, expires_at=now + expires_in)
    session.add(link)
    session.flush()
    return _serializer(secret_key).dumps({"id": link.id, "k": kind, "t": target, "f": filters,
                                          "o": list(origins), "e": link.expires_at.isoformat()})


def check_link(session: Session, secret_key: str, token: str, kind: str) -> Grant:
    """The grant of a valid token of `kind`; raises LinkRefused saying why not."""
    try:
        claims = _serializer(secret_key).loads(token or "")
        grant = Grant(claims["id"], claims["k"], claims["t"], claims["f"], tuple(claims["o"]),
                      datetime.fromisoformat(claims["e"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused("tampered") from None
    if grant.kind != kind:
        raise LinkRefused("tampered")
    if grant.expires_at <= utcnow():
        raise LinkRefused("expired")
    row = session.get(SignedLink, grant.link_id)
    if row is None or row.revoked_at is not None:
        raise LinkRefused("revoked")
    return grant


def revoke_link(session: Session, link_id: str) -> SignedLink:
    row = session.get(SignedLink, link_id)
    if row is None:
        raise AccessError(f"no signed link {link_id!r}")
    row.revoked_at = row.revoked_at or utcnow()
    return row


def list_links(session: Session, kind: str | None = None) -> list[SignedLink]:
    query = select(SignedLink).order_by(SignedLink.created_at.desc())
    return list(session.execute(query.where(SignedLink.kind == kind) if kind else query).scalars())


# ---- audit log ----

def audit(session: Session, username: str, action: str, target: str = "", address: str = "") -> None:
    session.add(AuditEntry(at=utcnow(), username=username[:64], action=action[:32], target=target[:512],
                           address=(address or "")[:64]))


def audit_entries(session: Session, username: str = "", action: str = "", target: str = "",
                  day_from: datetime | None = None, day_to: datetime | None = None, limit: int = 500) -> list[AuditEntry]:
    """The newest entries matching every given filter (target: a substring)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target.contains(target, autoescape=True))
    if day_from:
        query = query.where(AuditEntry.at >= day_from)
    if day_to:
        query = query.where(AuditEntry.at < day_to)
    return list(session.execute(query).scalars())

