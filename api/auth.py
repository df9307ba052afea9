"""Who is calling: people sign in with the OAuth2 password flow and carry a bearer JWT; integrators
and perception workers send `X-API-Key`. Either way the request gets a `Principal`, loaded fresh
from the database on every request, so a deactivated user or a revoked key stops at once.

Tokens are HS256 JWTs signed with `Settings.auth_secret` (or a random secret kept in
`var/auth-secret`, created on first use, for the embedded default); they carry only the user id.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from pathlib import Path
from typing import Literal

import jwt
from pydantic import BaseModel
from sqlmodel import Session, select

from core.models import ApiKey, Jurisdiction, Role, User
from core.security import hash_api_key, verify_api_key, verify_password
from core.settings import Settings
from workflows.case.model import Actor

TOKEN_ALGORITHM = "HS256"
TOKEN_AUDIENCE = "zhifa-api"
SECRET_FILE = "auth-secret"


class Principal(BaseModel):
    """The authenticated caller: a person or an API key, with roles and a jurisdiction subtree."""

    kind: Literal["user", "api_key"]
    id: str
    username: str
    display_name: str
    roles: list[Role]
    jurisdiction_code: str
    jurisdiction_name: str
    jurisdiction_path: str
    certificate_no: str | None = None
    allowed_types: list[str] = []

    def has_role(self, *roles: Role) -> bool:
        return bool(set(self.roles) & set(roles))

    def sees(self, path: str) -> bool:
        """Whether `path` lies in this principal's subtree."""
        return path.startswith(self.jurisdiction_path)

    def actor(self) -> Actor:
        """The principal as the workflow's update validators see it (they check role and subtree again)."""
        return Actor(
            user_id=self.id,
            username=self.username,
            display_name=self.display_name,
            roles=tuple(r.value for r in self.roles),
            jurisdiction_path=self.jurisdiction_path,
            certificate_no=self.certificate_no,
        )


class AuthError(Exception):
    """Not authenticated (401): the detail says why without telling which half was wrong."""


def signing_key(settings: Settings) -> str:
    if settings.auth_secret:
        return settings.auth_secret
    path = Path(settings.var_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:  # "x": two processes never both write
                handle.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="utf-8").strip()


def issue_token(settings: Settings, user: User, now: dt.datetime | None = None) -> tuple[str, int]:
    """A signed access token for `user` and its lifetime in seconds."""
    now = now or dt.datetime.now(dt.UTC)
    lifetime = settings.access_token_minutes * 60
    claims = {
        "sub": str(user.id),
        "aud": TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime,
    }
    return jwt.encode(claims, signing_key(settings), algorithm=TOKEN_ALGORITHM), lifetime


def authenticate_password(session: Session, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if not verify_password(password, user.password_hash if user is not None else None):
        raise AuthError("wrong username or password")
    assert user is not None
    if not user.active:
        raise AuthError("this account is disabled")
    return user


def principal_from_token(session: Session, settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(token, signing_key(settings), algorithms=[TOKEN_ALGORITHM], audience=TOKEN_AUDIENCE)
        user_id = uuid.UUID(str(claims["sub"]))
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("the access token has expired; sign in again") from exc
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise AuthError("the access token is not valid") from exc
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise AuthError("the account behind this token no longer exists or is disabled")
    return _user_principal(session, user)


def principal_from_api_key(session: Session, key: str) -> Principal:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key))).first()
    if row is None or not verify_api_key(key, row.key_hash) or not row.active:
        raise AuthError("unknown or revoked API key")
    place = _jurisdiction(session, row.jurisdiction_code)
    return Principal(
        kind="api_key",
        id=f"key:{row.id}",
        username=f"key:{row.prefix}",
        display_name=row.name,
        roles=list(row.roles),
        jurisdiction_code=place.code,
        jurisdiction_name=place.name,
        jurisdiction_path=place.path,
        allowed_types=list(row.allowed_types),
    )


def _user_principal(session: Session, user: User) -> Principal:
    place = _jurisdiction(session, user.jurisdiction_code)
    return Principal(
        kind="user",
        id=str(user.id),
        username=user.username,
        display_name=user.display_name,
        roles=list(user.roles),
        jurisdiction_code=place.code,
        jurisdiction_name=place.name,
        jurisdiction_path=place.path,
        certificate_no=user.certificate_no,
    )


def _jurisdiction(session: Session, code: str) -> Jurisdiction:
    place = session.get(Jurisdiction, code)
    if place is None:  # a foreign key makes this impossible; say so if the data is broken anyway
        raise AuthError(f"the principal's jurisdiction {code} does not exist")
    return place
