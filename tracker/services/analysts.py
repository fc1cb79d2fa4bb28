"""Analyst accounts and dashboard sessions: argon2 password hashes, random session tokens
(only their SHA-256 stored) and one CSRF token per session.

A wrong name and a wrong password take the same time and give the same answer, so the
sign-in form does not tell which names exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_HOURS = 12  # a working day; then sign in again
NAME_MAX = 64
PASSWORD_MIN = 12


class AnalystStorePort(Protocol):
    def add(self, name: str, password_hash: str, now: datetime) -> None: ...

    def password_hash(self, name: str) -> str | None: ...

    def open_session(self, token_hash: str, analyst: str, csrf: str, expires: datetime) -> None: ...

    def session(self, token_hash: str, now: datetime) -> tuple[str, str] | None: ...

    def close_session(self, token_hash: str) -> None: ...


@dataclass(frozen=True)
class SignedIn:
    analyst: str
    csrf: str

    def csrf_ok(self, given: str | None) -> bool:
        """The form's token is this session's, compared in constant time."""
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Analysts:
    def __init__(self, store: AnalystStorePort, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.hasher = PasswordHasher()
        self._decoy: str | None = None

    def _decoy_hash(self) -> str:
        """Verified against when the name is unknown, so both failures cost one argon2 run."""
        if self._decoy is None:
            self._decoy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._decoy

    def add(self, name: str, password: str) -> None:
        """Raises ValueError for an unusable name or a short password."""
        if not name or len(name) > NAME_MAX or not name.isprintable() or name.strip() != name:
            raise ValueError(f"a name is 1-{NAME_MAX} printable characters, no outer spaces")
        if len(password) < PASSWORD_MIN:
            raise ValueError(f"a password has at least {PASSWORD_MIN} characters")
        self.store.add(name, self.hasher.hash(password), self.clock())

    def sign_in(self, name: str, password: str) -> tuple[str, SignedIn] | None:
        """A new session's cookie token and its identity, or None (wrong name or password)."""
        stored = self.store.password_hash(name[:NAME_MAX])
        try:
            self.hasher.verify(stored or self._decoy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if stored is None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = self.clock() + timedelta(hours=SESSION_HOURS)
        self.store.open_session(_digest(token), name, csrf, expires)
        return token, SignedIn(name, csrf)

    def session(self, token: str | None) -> SignedIn | None:
        if not token or len(token) > 100:
            return None
        found = self.store.session(_digest(token), self.clock())
        return None if found is None else SignedIn(*found)

    def sign_out(self, token: str | None) -> None:
        if token and len(token) <= 100:
            self.store.close_session(_digest(token))
