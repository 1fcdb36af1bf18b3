"""Warnings leave through the outbox: a notice per CAP message in the same transaction, delivered after commit."""

from __future__ import annotations

from datetime import timedelta

from gridloop.emergency.domain.rules import Reading
from gridloop.emergency.services import readings as rsvc
from gridloop.emergency.services.sensors import SensorData, register_sensor
from gridloop.emergency.services.tick import tick
from gridloop.kernel.org import Actor
from gridloop.platform.outbox import Dispatcher, Outbox
from tests.conftest import T0


class Recorder:
    """A channel that keeps what it is given."""

    def __init__(self) -> None:
        self.notices: list[object] = []

    def notify(self, notice: object) -> None:
        self.notices.append(notice)


def _setup(container):  # type: ignore[no-untyped-def]
    from gridloop.platform.org.services.org import actor_for, get_user

    with container.uow() as uow:
        actor: Actor = actor_for(get_user(uow.session, "supervisor"))
    with container.uow() as uow:
        register_sensor(uow, actor, SensorData(station_id="G1", metric="precip_1h", unit="mm", sensor_type="rain_gauge",
                                               grid_code="310107"), now=T0)  # fmt: skip


def _rain(hours: int, mm: float) -> list[Reading]:
    start = T0 - timedelta(hours=hours)
    return [Reading(start + timedelta(hours=i), "G1", "precip_1h", mm, "mm") for i in range(hours)]


def test_no_warning_notice_is_delivered_before_the_ingesting_transaction_commits(container):
    _setup(container)
    recorder = Recorder()
    outbox = Outbox(channels={"rec": recorder})
    dispatcher = Dispatcher(container.uow.engine, outbox, container.deps.clock)
    with container.uow() as uow:
        real_commit = uow.commit
        uow.commit = lambda: None  # type: ignore[method-assign]
        result = rsvc.ingest_readings(uow, _rain(4, 30), monitor=rsvc.default_monitor(), outbox=outbox, now=T0)
        assert result.messages, "the rain raised a warning"
        uow.session.flush()
        assert dispatcher.deliver_pending().claimed == 0 and recorder.notices == []
        real_commit()
    report = dispatcher.deliver_pending()
    assert report.sent == len(result.messages) and len(recorder.notices) == report.sent
    first = recorder.notices[0]
    assert first.kind == "cap_warning" and first.payload["cap_xml"].startswith("<?xml")  # type: ignore[attr-defined]
    assert "暴雨" in first.title  # type: ignore[attr-defined]


def test_a_rolled_back_batch_leaves_neither_warning_nor_notice(container):
    _setup(container)
    recorder = Recorder()
    outbox = Outbox(channels={"rec": recorder})
    with container.uow() as uow:
        uow.commit = lambda: None  # type: ignore[method-assign]
        rsvc.ingest_readings(uow, _rain(4, 30), monitor=rsvc.default_monitor(), outbox=outbox, now=T0)
    assert Dispatcher(container.uow.engine, outbox, container.deps.clock).deliver_pending().claimed == 0


def test_a_gauge_that_falls_silent_raises_the_no_data_warning_on_the_service_clock(container, clock):
    _setup(container)
    with container.uow() as uow:
        rsvc.ingest_readings(uow, _rain(2, 0), monitor=rsvc.default_monitor(), outbox=container.deps.outbox, now=T0)
    assert tick(container.uow, now=T0 + timedelta(hours=1), outbox=container.deps.outbox)["warnings_from_silence"] == 0
    moved = tick(container.uow, now=T0 + timedelta(hours=4), outbox=container.deps.outbox)
    assert moved["warnings_from_silence"] == 1
