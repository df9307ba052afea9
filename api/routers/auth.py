"""Sign-in (OAuth2 password flow) and who am I."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import AuthError, Principal, authenticate_password, issue_token
from api.deps import PrincipalDep, SessionDep, SettingsDep, unauthorized
from api.problems import problem_responses

router = APIRouter(prefix="/api/v1", tags=["identity"])


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


@router.post(
    "/auth/token",
    summary="Sign in: username and password (form fields) → bearer token",
    responses=problem_responses(401, 422),
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep
) -> Token:
    try:  # argon2 is deliberately slow: keep it off the event loop
        user = await run_in_threadpool(authenticate_password, session, form.username, form.password)
    except AuthError as exc:
        raise unauthorized(str(exc)) from exc
    token, lifetime = issue_token(settings, user)
    return Token(access_token=token, expires_in=lifetime)


@router.get("/me", summary="The signed-in principal: roles and jurisdiction", responses=problem_responses(401))
def me(principal: PrincipalDep) -> Principal:
    return principal
