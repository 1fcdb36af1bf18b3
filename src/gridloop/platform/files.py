"""File storage behind one port: local disk by default, an S3-compatible bucket optionally (boto3, not installed)."""

from __future__ import annotations

import importlib
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Protocol


class FileStoreError(Exception):
    """A stored file could not be written or read."""


class FileStore(Protocol):
    """Where uploaded files live; keys are relative paths made by the service (never from the client)."""

    def put(self, key: str, data: bytes) -> None:
        """Store bytes under a key (overwrites)."""

    def get(self, key: str) -> bytes:
        """The bytes under a key (FileStoreError when missing)."""

    def delete(self, key: str) -> None:
        """Remove a key (no error when missing)."""


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise FileStoreError(f"not a storage key: {key!r}")
    return key


class LocalFileStore:
    """Files in a folder on the local disk (GRIDLOOP_ATTACHMENTS_DIR)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Write atomically: a temporary file renamed into place."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """Read one file."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise FileStoreError(f"no stored file {key!r}") from None

    def delete(self, key: str) -> None:
        """Remove one file."""
        self._path(key).unlink(missing_ok=True)


class S3FileStore:
    """Files in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS, Tencent COS) through boto3 (pip install boto3)."""

    def __init__(self, url: str, *, endpoint_url: str | None = None) -> None:
        try:
            boto3 = importlib.import_module("boto3")
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise FileStoreError("s3:// attachments need boto3: pip install boto3") from exc
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        key = _safe_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:  # pragma: no cover - needs a bucket
        """Upload one object."""
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:  # pragma: no cover - needs a bucket
        """Download one object."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())
        except Exception as exc:
            raise FileStoreError(f"no stored file {key!r}: {exc}") from None

    def delete(self, key: str) -> None:  # pragma: no cover - needs a bucket
        """Delete one object."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def build_file_store(location: str, *, endpoint_url: str | None = None) -> FileStore:
    """A store from a setting: a folder path, or s3://bucket/prefix."""
    if location.startswith("s3://"):
        return S3FileStore(location, endpoint_url=endpoint_url)
    return LocalFileStore(Path(location))


def archive_folder(root: Path, target: Path) -> int:
    """Write a folder's files into a gzipped tar (for backups); returns the number of files."""
    count = 0
    with tarfile.open(target, "w:gz") as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith(".up-"):
                    tar.add(path, arcname=str(path.relative_to(root)))
                    count += 1
    return count


def restore_folder(source: Path, root: Path) -> int:
    """Unpack a tar made by `archive_folder` into a folder (regular files only, no path outside it)."""
    count = 0
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            _safe_key(member.name)
            fh = tar.extractfile(member)
            if fh is None:
                continue
            LocalFileStore(root).put(member.name, fh.read())
            count += 1
    return count
