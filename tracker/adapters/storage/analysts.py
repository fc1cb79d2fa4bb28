"""Analysts and their dashboard sessions in the database (models.Analyst, WebSession)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.adapters.storage.models import Analyst, WebSession


class AnalystExists(Exception):
    """`tracker users add` for a name already taken."""


class AnalystStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, password_hash: str, now: datetime) -> None:
        with Session(self.engine) as session:
            session.add(Analyst(name=name, password_hash=password_hash, created_at=now))
            try:
                session.commit()
            except IntegrityError:
                raise AnalystExists(name) from None

    def password_hash(self, name: str) -> str | None:
        with Session(self.engine) as session:
            row = session.exec(select(Analyst).where(col(Analyst.name) == name)).first()
            return None if row is None else row.password_hash

    def open_session(self, token_hash: str, analyst: str, csrf: str, expires: datetime) -> None:
        with Session(self.engine) as session:
            session.add(
                WebSession(token_hash=token_hash, analyst=analyst, csrf=csrf, expires_at=expires)
            )
            session.commit()

    def session(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """(analyst, csrf) of a session still running; expired ones are deleted."""
        with Session(self.engine) as session:
            row = session.get(WebSession, token_hash)
            if row is None:
                return None
            if row.expires_at <= now:
                session.delete(row)
                session.commit()
                return None
            return row.analyst, row.csrf

    def close_session(self, token_hash: str) -> None:
        with Session(self.engine) as session:
            session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash))
            session.commit()
