"""Sign-in, bearer tokens, API keys and /api/v1/me against the real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlmodel import Session, select

from api.auth import issue_token
from api.problems import PROBLEM_MEDIA_TYPE
from core.db import get_engine
from core.models import Role, User
from core.security import hash_password
from core.settings import Settings
from tests.api.conftest import INTEGRATOR, sign_in


async def test_an_officer_signs_in_and_sees_who_they_are(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/auth/token", data={"username": "officer1", "password": "demo"})
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 480 * 60

    me = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    body = me.json()
    assert (body["kind"], body["username"], body["roles"]) == ("user", "officer1", ["officer"])
    assert (body["jurisdiction_code"], body["jurisdiction_name"]) == ("990102", "清河区")
    assert body["jurisdiction_path"] == "990100/990102/"
    assert body["certificate_no"] == "99010200001"


async def test_the_city_auditor_is_city_wide_and_read_only_by_role(api: httpx.AsyncClient) -> None:
    body = (await api.get("/api/v1/me", headers=await sign_in(api, "auditor1"))).json()
    assert (body["roles"], body["jurisdiction_path"]) == (["auditor"], "990100/")


async def test_the_integrator_key_is_a_principal_too(api: httpx.AsyncClient) -> None:
    body = (await api.get("/api/v1/me", headers=INTEGRATOR)).json()
    assert body["kind"] == "api_key"
    assert body["roles"] == ["integrator"] and body["jurisdiction_path"] == "990100/"
    assert body["username"].startswith("key:")


async def _refused(response: httpx.Response, words: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"] == "Bearer"
    assert words in response.json()["detail"]


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(api: httpx.AsyncClient) -> None:
    wrong = await api.post("/api/v1/auth/token", data={"username": "officer1", "password": "nope"})
    unknown = await api.post("/api/v1/auth/token", data={"username": "nobody", "password": "demo"})
    await _refused(wrong, "wrong username or password")
    await _refused(unknown, "wrong username or password")
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_no_credentials_a_bad_token_or_a_bad_key_is_401(api: httpx.AsyncClient) -> None:
    await _refused(await api.get("/api/v1/me"), "sign in")
    await _refused(await api.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"}), "not valid")
    await _refused(await api.get("/api/v1/me", headers={"X-API-Key": "zf_guess"}), "unknown or revoked API key")


def _user(settings: Settings, username: str) -> User:
    with Session(get_engine(settings.effective_database_url)) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        session.expunge(user)
        return user


async def test_a_token_signed_with_another_secret_is_refused(api: httpx.AsyncClient, api_settings: Settings) -> None:
    officer = _user(api_settings, "officer1")
    forged, _ = issue_token(api_settings.model_copy(update={"auth_secret": "another-secret-" + "x" * 32}), officer)
    await _refused(await api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), "not valid")
    genuine, _ = issue_token(api_settings, officer)
    assert (await api.get("/api/v1/me", headers={"Authorization": f"Bearer {genuine}"})).status_code == 200


async def test_an_expired_token_says_so(api: httpx.AsyncClient, api_settings: Settings) -> None:
    user = _user(api_settings, "officer2")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    token, _ = issue_token(api_settings, user, now=long_ago)
    await _refused(await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), "expired")


async def test_a_disabled_account_can_neither_sign_in_nor_use_its_token(
    api: httpx.AsyncClient, api_settings: Settings
) -> None:
    with Session(get_engine(api_settings.effective_database_url)) as session:
        user = User(
            username="officer_leaving",
            display_name="离职人员",
            roles=[Role.OFFICER],
            jurisdiction_code="990102",
            password_hash=hash_password("demo"),
        )
        session.add(user)
        session.commit()
        session.refresh(user)
        headers = await sign_in(api, "officer_leaving")
        assert (await api.get("/api/v1/me", headers=headers)).status_code == 200
        user.active = False
        session.add(user)
        session.commit()
    await _refused(await api.get("/api/v1/me", headers=headers), "disabled")
    await _refused(
        await api.post("/api/v1/auth/token", data={"username": "officer_leaving", "password": "demo"}), "disabled"
    )


async def test_without_temporal_a_case_act_is_503_and_a_retry_with_the_key_can_finish_it(
    api: httpx.AsyncClient,
) -> None:
    """`api` has no Temporal behind it: the intake row is kept (so the same Idempotency-Key resumes
    the start once Temporal is back), and the caller gets a retryable 503, not a 500."""
    from tests.api.live_cases import case_body

    key = "no-temporal-" + dt.datetime.now(dt.UTC).strftime("%H%M%S%f")
    headers = {**await sign_in(api, "officer1"), "Idempotency-Key": key}
    response = await api.post("/api/v1/cases", json=case_body(), headers=headers)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["title"] == "Temporal unavailable"
