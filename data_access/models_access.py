"""Who may see what (issue 13): users with roles, signed links (embeds, wall screens), the audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, BigId


class User(Base):
    """A person (or a wall screen's account) who logs in. Only a salted hash of the password is kept."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # data_access.access.ROLES
    jurisdiction_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("jurisdictions.code"), nullable=True)
    region_codes: Mapped[str] = mapped_column(String(256), default="")  # comma-separated; "" = the whole jurisdiction
    created_at: Mapped[datetime] = mapped_column(DateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SignedLink(Base):
    """A signed, revocable link: an embedded panel for another portal, or a wall screen's playlist.

    The token itself (itsdangerous) carries what it grants; this row lets it be listed and revoked.
    """

    __tablename__ = "signed_links"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the token's jti
    kind: Mapped[str] = mapped_column(String(8))  # "embed" | "wall"
    target: Mapped[str] = mapped_column(String(64))  # a panel id or a playlist name
    filters: Mapped[str] = mapped_column(Text, default="")  # locked query string, e.g. region=441900003
    origins: Mapped[str] = mapped_column(Text, default="")  # space-separated origins allowed to frame it
    note: Mapped[str] = mapped_column(String(128), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEntry(Base):
    """One view of personal data or one write: who, when, what, from where."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_username_at", "username", "at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # case.view, cases.csv, alarm.ack, login, login.failed…
    target: Mapped[str] = mapped_column(String(512), default="")  # a case number or a query string
    address: Mapped[str] = mapped_column(String(64), default="")
