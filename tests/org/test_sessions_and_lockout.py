"""Sessions live on the server: forged, logged-out and disabled users' cookies fail; guessing is throttled."""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys

from itsdangerous import Signer, TimestampSigner
from sqlalchemy import select

from gridloop.platform.org.services import access, admin, installation
from gridloop.platform.org.tables import AuthFailureRow, WebSessionRow
from tests.web_helpers import csrf_of, login

DEFAULT_KEY = installation.DEFAULT_SECRET_KEY


def _starlette_cookie(payload: dict[str, object], key: str) -> str:
    """A cookie in the format of Starlette's signed-cookie sessions (what the old app trusted)."""
    data = base64.b64encode(json.dumps(payload).encode())
    return TimestampSigner(key).sign(data).decode()


def test_a_cookie_forged_with_the_default_key_and_a_made_up_admin_is_refused(app_client):
    forged = _starlette_cookie(
        {"uid": 1, "csrf": "x", "me": {"username": "root", "role": "admin", "unit_id": 1, "unit_path": "/1/"}},
        DEFAULT_KEY,
    )
    app_client.cookies.set("gridloop_session", forged)
    assert app_client.get("/api/v1/me").status_code == 401
    assert app_client.get("/api/v1/users").status_code == 401
    page = app_client.get("/cases", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    # a well-signed but made-up session id is no better
    app_client.cookies.set("gridloop_session", Signer(DEFAULT_KEY, salt="gridloop.session").sign("made-up").decode())
    assert app_client.get("/api/v1/me").status_code == 401


def test_the_cookie_carries_only_a_session_id_whose_hash_is_stored(app_client, container):
    login(app_client, "operator")
    cookie = app_client.cookies.get("gridloop_session")
    session_id = cookie.rsplit(".", 1)[0]
    assert "operator" not in cookie and "csrf" not in cookie and len(session_id) < 60
    with container.uow() as uow:
        hashes = list(uow.session.scalars(select(WebSessionRow.id_hash)))
    assert session_id not in hashes and len(hashes) >= 1


def test_a_logged_out_cookie_replayed_fails(app_client):
    login(app_client, "operator")
    assert app_client.get("/api/v1/me").json()["username"] == "operator"
    stolen = app_client.cookies.get("gridloop_session")
    page = app_client.get("/intake")
    r = app_client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    app_client.cookies.set("gridloop_session", stolen)
    assert app_client.get("/api/v1/me").status_code == 401
    assert app_client.get("/intake", follow_redirects=False).status_code == 303


def test_a_disabled_users_session_and_token_fail_at_once(app_client, container, as_user):
    token_client = as_user("operator")
    assert token_client.get("/api/v1/me").status_code == 200  # the token is now cached
    login(app_client, "operator")
    assert app_client.get("/api/v1/me").status_code == 200
    with container.uow() as uow:
        admin.change_user(uow, None, username="operator", active=False, deps=container.deps)
    assert app_client.get("/api/v1/me").status_code == 401
    assert app_client.get("/intake", follow_redirects=False).status_code == 303
    assert token_client.get("/api/v1/me").status_code == 401


def test_a_role_change_ends_sessions_and_tokens_see_the_new_role_at_once(app_client, container, as_user):
    token_client = as_user("operator")
    assert token_client.get("/api/v1/me").json()["role"] == "operator"
    login(app_client, "operator")
    admin_api = as_user("admin")
    r = admin_api.client.patch(
        "/api/v1/users/operator", json={"role": "analyst"}, headers={"Authorization": f"Bearer {admin_api.token}"}
    )
    assert r.status_code == 200 and r.json()["role"] == "analyst"
    assert token_client.get("/api/v1/me").json()["role"] == "analyst"
    app_client.headers.pop("Authorization", None)
    assert app_client.get("/intake", follow_redirects=False).status_code == 303


def test_thirty_wrong_passwords_then_the_right_one_is_still_refused(app_client, container, as_user):
    page = app_client.get("/login")
    token = csrf_of(page.text)
    statuses = []
    for _ in range(30):
        r = app_client.post("/login", data={"username": "operator", "password": "wrong-guess", "csrf": token})
        statuses.append(r.status_code)
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    r = app_client.post("/login", data={"username": "operator", "password": "gridloop-demo", "csrf": token})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "gridloop_seen" not in r.cookies
    with container.uow() as uow:
        rows = [(r.username, r.address, r.reason) for r in uow.session.scalars(select(AuthFailureRow))]
    assert len(rows) >= 5 and {row[2] for row in rows} >= {"wrong", "locked"}
    assert all("wrong-guess" not in "".join(row) for row in rows)
    # an administrator lifts the lock through the API (and the address waits out its window, here forgotten)
    admin_api = as_user("admin")
    r = admin_api.post("/api/v1/users/operator/unlock")
    assert r.status_code == 200 and r.json()["locked_until"] is None
    access.throttle_of(container.deps).reset()
    login(app_client, "operator")


def test_the_lock_grows_with_each_further_wrong_password():
    waits = [access.lock_for(n).total_seconds() for n in range(3, 10)]
    assert waits[:2] == [0, 0] and waits[2] > 0 and all(b == 2 * a for a, b in itertools.pairwise(waits[2:]))


def test_bad_bearer_tokens_are_throttled_with_retry_after(app_client):
    statuses = [
        app_client.get("/api/v1/me", headers={"Authorization": f"Bearer glp_guess{i}"}).status_code for i in range(31)
    ]
    assert statuses[:30] == [401] * 30
    r = app_client.get("/api/v1/me", headers={"Authorization": "Bearer glp_guess-last"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.headers["content-type"].startswith("application/problem+json") and r.json()["status"] == 429


def test_session_cookie_is_secure_over_https(container):
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import create_app

    with TestClient(create_app(container=container), base_url="https://testserver") as client:
        r = client.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "gridloop_session=" in cookie and "secure" in cookie and "httponly" in cookie


def test_serve_refuses_the_default_key_unless_the_database_is_the_demo(container):
    from gridloop.bootstrap import insecure_key_refusal

    assert insecure_key_refusal(container) is not None
    with container.uow() as uow:
        installation.mark_demo(uow)
    assert insecure_key_refusal(container) is None


def test_init_stores_a_random_key_that_the_app_then_uses(container):
    from gridloop.bootstrap import insecure_key_refusal, installation_secret_key

    with container.uow() as uow:
        assert installation.ensure_secret_key(uow)
        assert not installation.ensure_secret_key(uow)
    key = installation_secret_key(container)
    assert key != DEFAULT_KEY and len(key) >= 40
    assert insecure_key_refusal(container) is None


def test_serve_command_exits_with_a_message_on_the_default_key(db_url):
    r = subprocess.run(
        [sys.executable, "-m", "gridloop", "serve", "--db", db_url, "--port", "8999"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "secret key" in r.stderr


def test_user_unlock_command_lifts_the_lock(db_url, container):
    from gridloop.platform.org.services import org

    with container.uow() as uow:
        user = org.get_user(uow.session, "operator")
        user.failed_logins = 9
        user.locked_until = container.deps.clock.now().replace(year=2030)
        uow.commit()
    r = subprocess.run(
        [sys.executable, "-m", "gridloop", "user", "unlock", "operator", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    with container.uow() as uow:
        user = org.get_user(uow.session, "operator")
        assert user.locked_until is None and user.failed_logins == 0


def test_refused_logins_through_two_processes_count_against_one_address(db_url):
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import build_container, create_app
    from gridloop.config import Settings

    containers = [build_container(Settings(database_url=db_url, triage_enabled=False)) for _ in range(2)]
    with TestClient(create_app(container=containers[0])) as a, TestClient(create_app(container=containers[1])) as b:
        clients = [(a, csrf_of(a.get("/login").text)), (b, csrf_of(b.get("/login").text))]
        for n in range(10):  # PASSWORD_LIMITS: 10 a minute, half through each process
            c, token = clients[n % 2]
            r = c.post("/login", data={"username": f"nobody{n}", "password": "x", "csrf": token})
            assert r.status_code == 401, (n, r.status_code)
        for c, token in clients:
            r = c.post("/login", data={"username": "nobody", "password": "x", "csrf": token})
            assert r.status_code == 429, "each process counts the other's refusals"
    for c in containers:
        c.uow.engine.dispose()


def test_a_role_changed_through_one_process_is_seen_by_another_that_cached_the_user(db_url):
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import build_container, create_app
    from gridloop.config import Settings
    from gridloop.platform.org.services import org

    settings = Settings(database_url=db_url, triage_enabled=False, reload_check_seconds=0)
    a, b = build_container(settings), build_container(settings)
    with a.uow() as uow:
        tokens = {u: org.create_token(uow.session, username=u, now=a.deps.clock.now()) for u in ("admin", "operator")}
        uow.commit()
    with TestClient(create_app(container=a)) as ca, TestClient(create_app(container=b)) as cb:
        as_operator = {"Authorization": f"Bearer {tokens['operator']}"}
        assert cb.get("/api/v1/me", headers=as_operator).json()["role"] == "operator"  # cached in b
        r = ca.patch("/api/v1/users/operator", json={"role": "analyst"},
                     headers={"Authorization": f"Bearer {tokens['admin']}"})  # fmt: skip
        assert r.status_code == 200
        assert cb.get("/api/v1/me", headers=as_operator).json()["role"] == "analyst", "b still has the old role"
    for c in (a, b):
        c.uow.engine.dispose()


def test_an_area_added_through_one_process_is_accepted_at_once_by_another(db_url):
    from fastapi.testclient import TestClient
    from sqlalchemy import select as sql_select

    from gridloop.bootstrap import build_container, create_app
    from gridloop.config import Settings
    from gridloop.platform.org.services import org
    from gridloop.platform.org.tables import UnitRow
    from tests.factories import PUTUO_GRID, case_body

    settings = Settings(database_url=db_url, triage_enabled=False, reload_check_seconds=0)
    a, b = build_container(settings), build_container(settings)
    with a.uow() as uow:
        tokens = {u: org.create_token(uow.session, username=u, now=a.deps.clock.now()) for u in ("admin", "operator")}
        grid = uow.session.scalar(sql_select(UnitRow).where(UnitRow.area_code == PUTUO_GRID))
        parent = uow.session.get(UnitRow, grid.parent_id).code
        uow.commit()
    new_grid = PUTUO_GRID[:-2] + "99"
    with TestClient(create_app(container=a)) as ca, TestClient(create_app(container=b)) as cb:
        as_operator = {"Authorization": f"Bearer {tokens['operator']}"}
        before = cb.post("/api/v1/cases", json=case_body(area_code=new_grid), headers=as_operator)
        assert before.status_code == 422, before.text  # "no such area", now cached in b
        unit = {"code": new_grid, "name": "新网格", "kind": "area", "level": "grid", "parent": parent}
        r = ca.post("/api/v1/units", json=unit, headers={"Authorization": f"Bearer {tokens['admin']}"})
        assert r.status_code == 201, r.text
        after = cb.post("/api/v1/cases", json=case_body(area_code=new_grid), headers=as_operator)
        assert after.status_code == 201, f"b still says the area is unknown: {after.text}"
    for c in (a, b):
        c.uow.engine.dispose()
