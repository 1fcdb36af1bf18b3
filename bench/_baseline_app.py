"""Baseline for bench/intake.py: a bare FastAPI endpoint doing one SQLite insert and commit per request."""

from __future__ import annotations

import os
import sqlite3
import threading

from fastapi import FastAPI, Request

app = FastAPI()
_local = threading.local()
DB = os.environ.get("BASELINE_DB", "/tmp/gridloop-baseline.db")


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
        _local.conn = conn
    return conn


@app.post("/insert", status_code=201)
async def insert(request: Request) -> dict[str, int]:
    body = await request.body()
    conn = _conn()
    cur = conn.execute("INSERT INTO t (body) VALUES (?)", (body.decode(),))
    conn.commit()
    return {"id": int(cur.lastrowid or 0)}
