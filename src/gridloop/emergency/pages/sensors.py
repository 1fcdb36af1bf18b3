"""Emergency console: the sensors (监测设备) — list with type, place, owner and state, and the register form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridloop.emergency.pages.text import translator
from gridloop.emergency.services import sensors as sn
from gridloop.kernel.errors import Conflict, DomainError
from gridloop.kernel.org import Role
from gridloop.platform.web.auth import PageActor, check_csrf, require_role
from gridloop.platform.web.deps import DepsDep, UowDep
from gridloop.platform.web.render import flash, lang_of, render

router = APIRouter(include_in_schema=False)
VIEW = (Role.SUPERVISOR, Role.DISPATCHER, Role.ANALYST)
Short = Annotated[str, Form(max_length=500)]
FIELDS = ("station_id", "metric", "unit", "sensor_type", "name", "place", "lng", "lat", "grid_code", "owner_unit_code")


def _page(request: Request, uow: UowDep, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    lang = lang_of(request)
    types = [(k, zh if lang == "zh" else en) for k, (zh, en) in sn.SENSOR_TYPES.items()]
    items = [sn.sensor_to_dict(r) for r in sn.list_sensors(uow.session)]
    ctx = {"items": items, "types": types, "values": values, "errors": errors, "t": translator(lang)}
    return render(request, "emergency_sensors.html", ctx, status=status)


@router.get("/emergency/sensors")
def sensors_page(request: Request, actor: PageActor, uow: UowDep) -> Response:
    """Every registered sensor, and (for the command roles) the form to register one."""
    require_role(actor, *VIEW)
    return _page(request, uow, {"sensor_type": "rain_gauge", "metric": "precip_1h", "unit": "mm"}, {})


#: The sensor form's problems in Chinese, by field (the service's messages are English).
ZH = {
    "station_id": "站点编号为 1–64 位字母、数字、“_”或“-”，不含空格、逗号或句点",
    "metric": "监测指标为 1–40 位小写字母、数字或“_”，例如 precip_1h",
    "unit": "请填写计量单位，例如 mm",
    "sensor_type": "请选择设备类型",
    "lng": "经度须在 -180 到 180 之间",
    "lat": "纬度须在 -90 到 90 之间，且经纬度须同时填写",
    "grid_code": "请填写网格编码（最多 20 位数字）或经纬度",
    "owner_unit_code": "没有该编码的单位",
    "taken": "该站点的这项监测指标已登记",
    "": "无法登记，请检查填写内容",
}


def _say(request: Request, key: str, english: str) -> str:
    return ZH.get(key, ZH[""]) if lang_of(request) == "zh" else english


def _number(text: str, name: str, errors: dict[str, str]) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        errors[name] = ZH[name]
        return None


@router.post("/emergency/sensors")
def register_sensor(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, csrf: Annotated[str, Form()] = "",
    station_id: Short = "", metric: Short = "", unit: Short = "", sensor_type: Short = "", name: Short = "",
    place: Short = "", lng: Short = "", lat: Short = "", grid_code: Short = "", owner_unit_code: Short = "",
) -> Response:  # fmt: skip
    """Register a sensor; on a problem the form comes back with the fields marked."""
    require_role(actor, *VIEW)
    check_csrf(request, csrf)
    given = (station_id, metric, unit, sensor_type, name, place, lng, lat, grid_code, owner_unit_code)
    values = dict(zip(FIELDS, given, strict=True))
    errors: dict[str, str] = {}
    x, y = _number(lng, "lng", errors), _number(lat, "lat", errors)
    if not errors:
        data = sn.SensorData(station_id=station_id.strip(), metric=metric.strip(), unit=unit.strip(),
                             sensor_type=sensor_type, name=name, place=place, lng=x, lat=y,
                             grid_code=grid_code.strip() or None, owner_unit_code=owner_unit_code.strip())  # fmt: skip
        try:
            sn.register_sensor(uow, actor, data, now=deps.clock.now())
        except Conflict:
            errors = {"station_id": _say(request, "taken", "this station already has a sensor of that metric")}
        except DomainError as exc:
            errors = {e.field: _say(request, e.field, e.message) for e in exc.errors} or {
                "station_id": _say(request, "", exc.detail)
            }
    if errors:
        return _page(request, uow, values, errors, status=422)
    flash(request, translator(lang_of(request))("em.sensors.added", station=station_id))
    return RedirectResponse("/emergency/sensors", status_code=303)
