"""The file store keeps keys inside its folder; uploaded images are re-encoded and checked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from gridloop.platform.files import FileStoreError, LocalFileStore
from gridloop.platform.images import ImageRejected, clean_image


@pytest.mark.parametrize("key", ["../escape.jpg", "/etc/passwd", "a//b", "a/./b", ""])
def test_local_store_refuses_keys_outside_its_folder(tmp_path: Path, key: str):
    with pytest.raises(FileStoreError):
        LocalFileStore(tmp_path).put(key, b"x")


def test_local_store_round_trips_and_reports_a_missing_file(tmp_path: Path):
    store = LocalFileStore(tmp_path)
    store.put("cases/1/a.jpg", b"data")
    assert store.get("cases/1/a.jpg") == b"data"
    store.delete("cases/1/a.jpg")
    with pytest.raises(FileStoreError):
        store.get("cases/1/a.jpg")


def test_png_with_text_chunks_stays_png_without_them():
    img = Image.new("RGBA", (50, 40), (0, 0, 0, 0))
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info)
    clean = clean_image(out.getvalue())
    assert clean.media_type == "image/png" and b"<script>" not in clean.data
    assert Image.open(io.BytesIO(clean.thumb)).format == "JPEG"


def test_huge_image_is_refused_as_too_many_pixels():
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    with pytest.raises(ImageRejected) as exc:
        clean_image(out.getvalue())
    assert exc.value.kind == "size"


def test_bytes_that_are_not_an_image_are_refused_as_a_type():
    with pytest.raises(ImageRejected) as exc:
        clean_image(b"GIF89a<svg onload=alert(1)>")
    assert exc.value.kind == "type"
