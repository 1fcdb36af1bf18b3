"""Field work in a real browser on a 390×844 phone: a grid worker, offline for a while, reports a problem with two
photos and the phone's position and resolves another on the spot; when the network returns both reach the street
office's console with their photos. A handler signs and replies with a photo of the work at 390 px."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.e2e.test_console_browser import _login, _shot, _submit

pytestmark = [pytest.mark.e2e]
PHONE = {"width": 390, "height": 844}
#: Inside 普陀区's square of the e2e boundaries (conftest._district_squares: index 4 → 121.0–121.18, 31.2–31.38).
PUTUO_POINT = {"longitude": 121.09, "latitude": 31.29, "accuracy": 12}


def _photo(folder: Path, name: str, colour: tuple[int, int, int]) -> str:
    path = folder / name
    img = Image.new("RGB", (1200, 900), colour)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    path.write_bytes(out.getvalue())
    return str(path)


def _phone(browser, server, username, **extra):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=server, is_mobile=True, has_touch=True,
                                  **extra)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    _login(page, username)
    return context, page


def _no_horizontal_scroll(page, where):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where}: the page is {width}px wide at 390px"


def test_grid_worker_reports_offline_with_photos_and_both_reach_the_street_office(browser, server, tmp_path):
    context, page = _phone(browser, server, "gridworker", geolocation=PUTUO_POINT, permissions=["geolocation"])
    assert "/m/" in page.url, page.url
    page.wait_for_function("() => document.getElementById('m-grid').textContent.length > 0")
    _no_horizontal_scroll(page, "/m/ map")
    _shot(page, "field-01-map")

    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.click(".m-tabs button[data-tab=report]")
    page.wait_for_function("() => document.getElementById('r-pos').dataset.lng !== undefined")
    text = "幸福小区南门人行道井盖缺失，晚上有行人绊倒风险（离线上报）"
    page.fill("#r-text", text)
    page.fill("#r-address", "长寿路幸福小区南门")
    page.set_input_files(
        "#r-photos", [_photo(tmp_path, "a.jpg", (200, 40, 40)), _photo(tmp_path, "b.jpg", (40, 40, 200))]
    )
    page.wait_for_function("() => document.querySelectorAll('#r-thumbs img').length === 2")
    _no_horizontal_scroll(page, "/m/ report form")
    _shot(page, "field-02-report-offline")
    page.click("#r-submit")
    page.wait_for_function("() => document.getElementById('m-pending').dataset.count === '1'")

    spot = "楼道堆放的纸箱已当场清理（就地解决）"
    page.fill("#r-text", "3号楼楼道堆放纸箱阻塞消防通道")
    page.check("#r-onspot")
    page.fill("#r-reply", spot)
    page.set_input_files("#r-photos", [_photo(tmp_path, "before.jpg", (120, 120, 40))])
    page.set_input_files("#r-after", [_photo(tmp_path, "after.jpg", (40, 160, 40))])
    page.wait_for_function("() => document.querySelectorAll('#r-after-thumbs img').length === 1")
    page.click("#r-submit")
    page.wait_for_function("() => document.getElementById('m-pending').dataset.count === '2'")
    page.click(".m-tabs button[data-tab=mine]")
    assert page.locator("#m-mine li.queued").count() == 2
    _shot(page, "field-03-queued")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the browser does when the network returns
    page.wait_for_function("() => document.getElementById('m-pending').hidden", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('#m-mine li[data-case]').length >= 2", timeout=30_000)
    assert page.locator("#m-mine li[data-case] .m-badge.spot").count() == 1
    _shot(page, "field-04-sent")
    assert not page.js_errors, page.js_errors

    # the grid worker's own report opens (no 403)
    page.locator("#m-mine li[data-case] a").first.click()
    page.wait_for_load_state()
    assert page.locator(".case-files").count() == 1, page.content()[:400]
    context.close()

    # the street office sees both, with their photos
    office = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=server)
    op = office.new_page()
    _login(op, "supervisor")
    for needle, photos, status in ((text[:10], 2, None), ("3号楼楼道堆放纸箱", 2, "已办结")):
        op.goto(f"/cases?text={needle}")
        link = op.locator("table a[href^='/cases/']").first
        _submit(op, link)
        assert op.locator(".case-files img").count() == photos, op.locator(".case-files").inner_text()
        # the page's load event does not wait for every image on a busy machine: wait until each has finished
        # (loaded or broken), then require that it loaded
        op.wait_for_function("() => [...document.querySelectorAll('.case-files img')].every(i => i.complete)")
        for img in op.locator(".case-files img").all():
            assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the thumbnail loads"
        if status:
            assert status in op.locator("h1").inner_text()
    _shot(op, "field-05-office-case")
    office.close()


def _dispatched_case(server: str, db_url: str) -> int:
    from gridloop.bootstrap import build_container
    from gridloop.config import Settings
    from gridloop.platform.org.services import org

    container = build_container(Settings(database_url=db_url, triage_enabled=False))
    now = datetime.now(UTC)
    with container.uow() as uow:
        token = org.create_token(uow.session, username="dispatcher", now=now)
        uow.commit()
    container.uow.engine.dispose()
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"})
    case = api.post("/api/v1/cases", json={
        "title": "长寿路某小区3号楼楼道墙面大面积渗水严重影响居民通行（手机签收测试）",
        "text": "长寿路某小区3号楼楼道墙面渗水严重，物业一直不处理。", "category": "城乡建设",
        "area_code": "310107", "reporter": {"name": "王五", "phone": "13900001111"}}).json()  # fmt: skip
    r = api.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "dispatch", "unit": "310107-FG"})
    assert r.status_code == 200, r.text
    return int(case["id"])


def test_handler_signs_and_replies_with_a_photo_on_a_phone(browser, server, e2e_db, tmp_path):
    case_id = _dispatched_case(server, e2e_db)
    context, page = _phone(browser, server, "putuo_housing")
    page.goto("/inbox")
    row = page.locator(f"tr:has(a[href='/cases/{case_id}'])")
    sign = row.locator("button", has_text="签收")
    assert sign.is_visible()
    box = sign.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"签收 is off-screen: {box}"
    title = row.locator(".title-cell")
    assert title.bounding_box()["width"] > 200, "the title has room (not one character per line)"
    _no_horizontal_scroll(page, "/inbox")
    _shot(page, "field-06-inbox-phone")
    _submit(page, sign)

    page.goto(f"/cases/{case_id}")
    _no_horizontal_scroll(page, "case page")
    form = page.locator("form#act-first_contact")
    form.locator("textarea[name=note]").fill("已电话联系居民")
    _submit(page, form.locator("button[type=submit]"))
    reply = page.locator("form#act-reply")
    reply.scroll_into_view_if_needed()
    assert reply.locator("button[type=submit]").is_visible()
    reply.locator("textarea[name=reply]").fill("已修复渗水点并粉刷墙面")
    reply.locator("input[name=photos]").set_input_files([_photo(tmp_path, "done.jpg", (90, 90, 90))])
    _submit(page, reply.locator("button[type=submit]"))
    assert page.locator(".flash-ok").count() == 1, page.locator(".flash").all_inner_texts()
    assert page.locator(".case-files img").count() == 1
    _no_horizontal_scroll(page, "case page after reply")
    _shot(page, "field-07-case-replied-phone")
    assert not page.js_errors, page.js_errors
    context.close()


def test_the_app_opens_offline_from_the_service_worker_cache(browser, server):
    context, page = _phone(browser, server, "gridworker", geolocation=PUTUO_POINT, permissions=["geolocation"])
    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    page.reload()
    page.wait_for_function("() => document.getElementById('m-grid').textContent.length > 0")
    state = page.evaluate(
        """() => new Promise(resolve => {
            const done = v => resolve(v);
            setTimeout(() => done('timeout'), 15000);
            navigator.serviceWorker.getRegistration('/m/').then(r => {
                if (!r) return done('no registration');
                const w = r.installing || r.waiting || r.active;
                if (r.active && r.active.state === 'activated') return done('activated');
                w.addEventListener('statechange', () => {
                    if (w.state === 'activated' || w.state === 'redundant') done(w.state);
                });
            });
        })"""
    )
    assert state == "activated", (state, logs)
    page.reload()  # now controlled by the worker, which keeps a copy of the page as it passes
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.wait_for_function("() => document.getElementById('m-grid').textContent.length > 0")
    context.set_offline(True)
    page.reload()
    assert page.locator("#m-report").count() == 1, page.content()[:300]
    page.wait_for_function("() => document.getElementById('m-net').dataset.online === '0'")
    page.wait_for_function("() => document.getElementById('m-grid').textContent.length > 0")  # the cached overview
    _shot(page, "field-08-offline-start")
    context.close()
