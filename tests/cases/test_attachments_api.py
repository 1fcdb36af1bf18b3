"""Attachments through the API: re-encoded without metadata, limits as problem details, scope, idempotency."""

from __future__ import annotations

import io

from PIL import Image

from tests.factories import case_body


def jpeg_with_gps(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG whose EXIF carries a GPS position and a camera maker."""
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 30.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _case(api, **kw):
    r = api.post("/api/v1/cases", json=case_body(**kw))
    assert r.status_code == 201, r.text
    return r.json()


def _upload(api, case_id, data, *, name="p.jpg", ctype="image/jpeg", step="report", key=None):
    headers = {"Idempotency-Key": key} if key else None
    return api.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": (name, data, ctype)},
        data={"step": step},
        headers=headers,
    )


def test_uploaded_photo_is_reencoded_without_exif_and_thumbnailed(as_user):
    operator = as_user("operator")
    case = _case(operator)
    r = _upload(operator, case["id"], jpeg_with_gps(), step="before")
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["step"] == "before" and att["media_type"] == "image/jpeg"
    assert att["exif_position"]["lat"] > 31.2, "staff with personal-data rights see the camera's position"
    got = operator.get(att["url"])
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("inline;")
    stored = Image.open(io.BytesIO(got.content))
    assert not stored.getexif(), "no EXIF block survives the re-encode"
    assert b"SecretCam" not in got.content
    thumb = Image.open(io.BytesIO(operator.get(att["thumbnail_url"]).content))
    assert max(thumb.size) <= 320
    listed = operator.get(f"/api/v1/cases/{case['id']}/attachments").json()["items"]
    assert [a["id"] for a in listed] == [att["id"]]


def test_exif_position_is_hidden_from_roles_without_personal_data(as_user):
    gridworker = as_user("gridworker")
    case = _case(gridworker, channel="patrol", reporter={})
    att = _upload(gridworker, case["id"], jpeg_with_gps()).json()
    assert "exif_position" not in att


def test_html_disguised_as_image_is_refused_415(as_user):
    operator = as_user("operator")
    case = _case(operator)
    r = _upload(operator, case["id"], b"<html><script>alert(1)</script></html>", name="x.jpg")
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    r = _upload(operator, case["id"], b"<html></html>", name="x.html", ctype="text/html")
    assert r.status_code == 415


def test_file_over_the_limit_is_refused_413(as_user, container):
    operator = as_user("operator")
    case = _case(operator)
    container.deps.attachments_max_bytes = 2048
    r = _upload(operator, case["id"], jpeg_with_gps((1200, 1200)))
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "file"


def test_unknown_step_is_refused_422(as_user):
    operator = as_user("operator")
    case = _case(operator)
    assert _upload(operator, case["id"], jpeg_with_gps(), step="sideways").status_code == 422


def test_same_idempotency_key_stores_the_photo_once(as_user):
    operator = as_user("operator")
    case = _case(operator)
    first = _upload(operator, case["id"], jpeg_with_gps(), key="k-1")
    again = _upload(operator, case["id"], jpeg_with_gps(), key="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(operator.get(f"/api/v1/cases/{case['id']}/attachments").json()["items"]) == 1


def test_who_cannot_see_the_case_cannot_see_its_photos(as_user):
    operator = as_user("operator")
    case = _case(operator)
    att = _upload(operator, case["id"], jpeg_with_gps()).json()
    handler = as_user("putuo_housing")  # not assigned: the case is not in its scope
    assert handler.get(att["url"]).status_code == 404
    assert handler.get(f"/api/v1/cases/{case['id']}/attachments").status_code == 404


def test_grid_worker_sees_their_own_report_and_resolves_on_the_spot(as_user):
    gridworker = as_user("gridworker")
    r = gridworker.post(
        "/api/v1/cases",
        json=case_body(
            channel="patrol", reporter={}, area_code="310110", resolve_on_spot="已当场清理", position_accuracy=12
        ),
        headers={"Idempotency-Key": "spot-1"},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["status"] == "closed" and case["resolved_on_spot"] and case["position_accuracy"] == 12
    assert gridworker.get(f"/api/v1/cases/{case['id']}").status_code == 200, "a reporter sees their own report"
    again = gridworker.post(
        "/api/v1/cases",
        json=case_body(
            channel="patrol", reporter={}, area_code="310110", resolve_on_spot="已当场清理", position_accuracy=12
        ),
        headers={"Idempotency-Key": "spot-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == case["id"]
