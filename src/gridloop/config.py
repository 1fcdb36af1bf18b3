"""Typed settings, read from the environment (prefix GRIDLOOP_) and built only when asked for."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("var/gridloop.db")


class Settings(BaseSettings):
    """Every setting of gridloop, one field each; `docs/settings.md` lists them."""

    model_config = SettingsConfigDict(env_prefix="GRIDLOOP_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DB_PATH}",
        description="SQLAlchemy URL of the database (sqlite:///path or postgresql+psycopg://...).",
    )
    secret_key: str = Field(
        default="dev-insecure-change-me",
        description=(
            "Key that signs session cookies; unset, the random key `gridloop init` stored with the installation is "
            "used. `serve` refuses the built-in default except on the demo database."
        ),
    )
    timezone: str = Field(default="Asia/Shanghai", description="Zone in which times are shown and days counted.")
    case_number_prefix: str = Field(default="SH", description="Prefix of human-readable case numbers.")
    shared_data_dir: Path = Field(
        default=Path("../shared/data"),
        description="Folder of the public datasets (training data, gazetteer); optional at run time.",
    )
    triage_enabled: bool = Field(
        default=True, description="Classify, flag urgency, mask personal data and find duplicates at intake."
    )
    kb_semantic: bool = Field(
        default=True,
        description="Knowledge search re-ranks its best 100 results with the bundled sentence encoder "
        "(multilingual-e5-small); article vectors are computed by `gridloop kb import`/`kb embed` and the background "
        "job. Off: BM25 only, no vectors computed.",
    )
    model_path: Path | None = Field(
        default=None, description="Path of the active classifier artifact; None means the configured default."
    )
    auto_dispatch_threshold: float = Field(
        default=0.61,
        description="Classifier confidence above which a case matching a rule is dispatched at once (calibrated "
        "for ≥ 95 % precision on the tune part of tests/data/shanghai_eval.csv: docs/models.md §9).",
    )
    reload_check_seconds: float = Field(
        default=2.0,
        description="Seconds between a process's looks at the change stamps (city rules, active model) to reload them.",
    )
    sla_tick_seconds: int = Field(default=300, description="Seconds between supervision ticks inside `serve`.")
    working_hours: str = Field(
        default="09:00-12:00,13:00-17:30", description="Working periods of a working day, for work_hour limits."
    )
    sla_due_soon_hours: int = Field(default=24, description="Hours before a deadline at which a case is due soon.")
    sla_escalation_work_days: str = Field(
        default="0,2,5", description="Working days overdue at which supervision levels 1, 2, 3… start."
    )
    exports_dir: Path = Field(
        default=Path("var/exports"),
        description="Folder where scheduled exports (只报一次) are written; include it in backups.",
    )
    export_tick_seconds: int = Field(default=600, description="Seconds between looks for due scheduled exports.")
    attachments_dir: str | None = Field(
        default=None,
        description=(
            "Where uploaded photos and files are kept: a folder, or s3://bucket/prefix (needs boto3). Unset: "
            "`attachments/` beside a SQLite database file, else var/attachments."
        ),
    )
    attachments_s3_endpoint: str | None = Field(
        default=None, description="Endpoint URL of an S3-compatible store (MinIO, OSS, COS); unset for AWS."
    )
    attachments_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024, description="Largest attachment accepted, in bytes."
    )
    webhook_url: str | None = Field(default=None, description="URL that receives notices as JSON (optional).")
    notice_channels: str = Field(
        default="",
        description="Channels that reach people with their notices, as channel=provider pairs: "
        "'sms=record,wechat=record' (record: kept in memory, a test double; see docs/notices.md for real providers).",
    )
    webhook_timeout: float = Field(default=5.0, description="Seconds the outbox waits for the webhook to answer.")
    outbox_max_attempts: int = Field(
        default=8, description="Delivery tries of an outbox message before it is marked dead (an admin may retry)."
    )
    outbox_poll_seconds: float = Field(
        default=5.0, description="Seconds between outbox delivery passes inside `serve` (commits also wake it)."
    )
    triage_worker_mode: Literal["process", "thread", "none"] = Field(
        default="process",
        description="Where each `serve`/ASGI process runs its triage workers: `process` a child process (`gridloop "
        "worker triage`) at a lower CPU priority, restarted if it dies and stopped with the server; `thread` threads "
        "of the API process (they compete with acknowledgements for the interpreter); `none` only the `gridloop "
        "worker triage` processes started apart.",
    )
    triage_worker_threads: int = Field(
        default=1,
        ge=0,
        le=16,
        description="Triage worker threads of the embedded worker (in its child process or in the API process, "
        "see GRIDLOOP_TRIAGE_WORKER_MODE); 0: none, as mode `none`.",
    )
    triage_worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower than the server's the CPU priority of the embedded worker process is (Unix "
        "nice steps): acknowledgements win the cores, triage catches up in between.",
    )
    triage_batch_size: int = Field(default=64, ge=1, le=1000, description="Reports a triage worker takes at once.")
    triage_lease_seconds: int = Field(
        default=60, ge=5, le=3600, description="Seconds a worker holds a batch before another may take it over."
    )
    triage_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="Seconds an idle triage worker waits before looking at the queue."
    )
    triage_batch_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Processes `gridloop triage` (the batch command) triages messages in, while its own process groups "
        "duplicates and writes: 0 = one per CPU core it may use, 1 = none (all in the command's process).",
    )
    nats_url: str = Field(
        default="",
        description="NATS server with JetStream (nats://host:4222): pending reports flow through it to any number "
        "of `gridloop worker triage` processes, readings to `gridloop worker readings`. Empty: the triage workers "
        "read the database queue.",
    )
    nats_prefix: str = Field(
        default="gridloop",
        pattern=r"^[a-z][a-z0-9_]{0,30}$",
        description="Prefix of the JetStream subjects and streams (<prefix>.intake.report.<channel>, <PREFIX>_INTAKE; "
        "<prefix>.readings.<sensor_type>.<station_id>, <PREFIX>_READINGS).",
    )
    readings_partitions: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Station partitions of the live monitoring: each partition has its own rule state, JetStream "
        "consumer (monitoring-p<k>) and `gridloop worker readings --partition k`, so workers evaluate in parallel. "
        "Publishers and workers must agree (subjects gain a .p<k> token when above 1).",
    )
    metrics_token: str = Field(
        default="",
        description="Bearer token that may read /metrics from other hosts (without it only localhost may).",
    )
    session_hours: int = Field(default=10, description="Hours a console login lasts before it must be renewed.")
    session_https_only: bool = Field(
        default=False,
        description="Always mark the session cookie Secure (it is anyway when the request came over HTTPS).",
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Addresses of the reverse proxy whose X-Forwarded-For/-Proto `serve` believes (comma-separated, "
            "e.g. 127.0.0.1); empty: forwarded headers are ignored."
        ),
    )
    max_body_bytes: int = Field(
        default=1_048_576, description="Largest request body accepted, in bytes (larger: 413 before it is read)."
    )
    max_connections: int = Field(default=0, description="Concurrent connections `serve` accepts (0: no limit).")
    map_tile_url: str | None = Field(
        default=None,
        description="Tile URL template for console maps (e.g. an internal tile server); none: maps draw areas only.",
    )
    board_cache_seconds: int = Field(
        default=60,
        description="Seconds an operations-board view is reused for the same scope; `serve` rebuilds the boards "
        "looked at in the last 10 minutes ahead of time (0: always fresh, no refresh).",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, built on first use."""
    return Settings()


def render_settings_markdown() -> str:
    """docs/settings.md, generated from the Settings fields (a test checks the file matches)."""
    lines = [
        "# Settings (generated — do not edit)",
        "",
        "Every setting is read from the environment variable shown (or a `.env`-style environment).",
        "Regenerate with `gridloop docs settings`.",
        "",
        "| variable | default | what |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default is not None else ""
        lines.append(f"| `GRIDLOOP_{name.upper()}` | `{default}` | {field.description or ''} |")
    lines.append("")
    return "\n".join(lines)


def attachments_location(settings: Settings) -> str:
    """The attachments folder (or s3:// URL) of an installation."""
    if settings.attachments_dir:
        return settings.attachments_dir
    url = settings.database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return str(Path(url.removeprefix("sqlite:///")).parent / "attachments")
    return "var/attachments"
