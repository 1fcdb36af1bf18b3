"""Petition console pages: only the handling units see a petition; deadlines, 诉访分离 guidance, actions."""

from __future__ import annotations

from typing import Any

from petition_factories import SH, T0, petition_in, seed

from gridloop.petitions.services import petitions
from tests.web_helpers import login, post_form


def _register(container: Any, actor: Any, **over: Any) -> int:
    with container.uow() as uow:
        return int(petitions.register(uow, actor, petition_in(**over), now=T0, tz=SH)["id"])


def test_the_petition_office_sees_accepts_and_the_deadline_moves_on_the_console(
    app_client: Any, container: Any
) -> None:
    people = seed(container)
    pid = _register(container, people["xf_putuo"])
    home = login(app_client, "xf_putuo", "secret123")
    assert 'href="/participation"' in home.text
    listed = app_client.get("/petitions")
    assert listed.status_code == 200 and "老旧小区屋顶漏水维修" in listed.text and "信访事项" in listed.text
    url = f"/petitions/{pid}"
    page = app_client.get(url)
    assert page.status_code == 200 and "办理时限" in page.text and "诉访分离研判" in page.text
    assert 'id="petition-act"' in page.text and "受理" in page.text
    r = post_form(app_client, f"{url}/act", {"action": "accept", "unit_code": "310107-GOV"}, from_page=url)
    assert r.status_code == 303
    page = app_client.get(url).text
    assert "已受理" in page and "已办理" in page
    bad = post_form(app_client, f"{url}/act", {"action": "accept", "unit_code": "310107-GOV"}, from_page=url)
    assert bad.status_code == 303 and "flash-error" in app_client.get(url).text


def test_a_unit_that_does_not_handle_a_petition_neither_lists_nor_opens_it(app_client: Any, container: Any) -> None:
    people = seed(container)
    pid = _register(container, people["xf_putuo"])
    login(app_client, "yangpu_housing")
    assert "老旧小区屋顶漏水维修" not in app_client.get("/petitions").text
    assert app_client.get(f"/petitions/{pid}").status_code == 404


def test_a_matter_for_the_courts_shows_the_legal_channel_and_why(app_client: Any, container: Any) -> None:
    people = seed(container)
    pid = _register(container, people["xf_putuo"], subject="不服法院判决",
                    facts="区人民法院一审判决我败诉，我认为判决错误，要求改判。", request="要求撤销判决")  # fmt: skip
    login(app_client, "xf_putuo", "secret123")
    page = app_client.get(f"/petitions/{pid}").text
    assert "属于法定途径" in page and "研判依据" in page


def test_the_office_registers_on_the_console_and_the_coordination_record_runs_through_its_steps(
    app_client: Any, container: Any
) -> None:
    seed(container)
    login(app_client, "xf_putuo", "secret123")
    bad = post_form(
        app_client, "/petitions/new", {"petition_class": "claim", "channel": "visit"}, from_page="/petitions/new"
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    form = {"petition_class": "claim", "channel": "visit", "petitioner_name": "赵强", "subject": "不服法院判决",
            "facts": "区人民法院一审判决我败诉，我认为判决错误。", "request_text": "要求改判"}  # fmt: skip
    made = post_form(app_client, "/petitions/new", form, from_page="/petitions/new")
    assert made.status_code == 303
    url = made.headers["location"]
    transfer = {"step": "transfer", "legal_unit": "court", "unit_code": "310107-FY", "text": "涉诉事项移交"}
    r = post_form(app_client, f"{url}/coordination", transfer, from_page=url)
    assert r.status_code == 303
    page = app_client.get(url).text
    assert "移交政法单位" in page and "人民法院" in page and "coordination-" in page
