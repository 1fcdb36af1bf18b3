"""Where a replay's messages go: one `<identifier>.xml` per CAP message and a `warnings.jsonl` log."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO

from gridloop.emergency.domain.cap import CapMessage
from gridloop.kernel.errors import Conflict

LOG_NAME = "warnings.jsonl"


class DirectorySink:
    """Writes messages into a folder that holds no earlier messages (so a replay never mixes two runs)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._log: IO[str] | None = None

    def __enter__(self) -> DirectorySink:
        self.out.mkdir(parents=True, exist_ok=True)
        if (self.out / LOG_NAME).exists() or any(self.out.glob("*.xml")):
            raise Conflict(f"{self.out} already holds warnings; give an empty or new folder")
        self._log = (self.out / LOG_NAME).open("w", encoding="utf-8")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def write(self, message: CapMessage) -> None:
        """Write the message's XML file and its log line."""
        if self._log is None:
            raise RuntimeError("DirectorySink used outside its `with` block")
        (self.out / f"{message.identifier}.xml").write_bytes(message.xml)
        self._log.write(json.dumps(message.summary(), ensure_ascii=False) + "\n")
