"""The OCR kit (core/ocr.py): merging the two engines' readings, and the worker process."""

from __future__ import annotations

import io
import os

import pytest

from core import ocr
from core.ocr import OcrFailed, OcrUnavailable, TextReader, merge_readings


@pytest.mark.parametrize("tesseract, rapid, merged", [
    # RapidOCR drops the letters it has no glyph for; Tesseract's marks are kept.
    ("Nguyễn Thị Hồng Nhung", "Nguyn Th Hồng Nhung", "Nguyễn Thị Hồng Nhung"),
    ("Số 12 Lê Lợi, Phường Bến Nghé", "S 12 Lê Li, Phưng Bn Nghé", "Số 12 Lê Lợi, Phường Bến Nghé"),
    # It reads ư and Đ as u and D: Tesseract's are kept.
    ("TIỆM VÀNG HƯNG THỊNH", "TIM VÀNG HUNG THNH", "TIỆM VÀNG HƯNG THỊNH"),
    ("ĐT: 0903 456 789", "DT: 0903 456 789", "ĐT: 0903 456 789"),
    # Digits and e-mail addresses: RapidOCR's, where they differ.
    ("Hotline: 0935 714 455", "Hotline: 0935 774 455", "Hotline: 0935 774 455"),
    ("Là EID45LC bội EU", "tuan.do@kimngan.vn", "tuan.do@kimngan.vn"),
    # Marks Tesseract's Vietnamese model puts on English words, where RapidOCR reads plainly.
    ("211 Lê Duan Street, Dtrict 1", "211 Le Duan Street, District 1",
     "211 Le Duan Street, District 1"),
    # Two words RapidOCR ran together.
    ("Cửa hàng Điện thoại", "Ca hàngĐin thoi", "Cửa hàng Điện thoại"),
    # A word of marked letters only RapidOCR could not see at all.
    ("Ở đây", "đây", "Ở đây"),
    ("", "Tel: 0903 456 789", "Tel: 0903 456 789"),
])
def test_merge_readings(tesseract: str, rapid: str, merged: str) -> None:
    assert merge_readings(tesseract, rapid) == merged


async def test_reader_says_when_the_engines_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "missing", lambda: "Python packages missing: rapidocr")
    reader = TextReader()
    with pytest.raises(OcrUnavailable, match="rapidocr"):
        await reader.read(b"\xff\xd8")
    assert not reader.running
    await reader.close()


def _engines() -> None:
    reason = ocr.missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"OCR engines missing on CI: {reason}")
        pytest.skip(f"OCR engines not installed here: {reason}")


def test_rapidocr_reads_the_letters_we_trust_it_with() -> None:
    """RAPID_SURE must stay within the recogniser's dictionary (a new model could lack some)."""
    _engines()
    from pathlib import Path

    import onnxruntime
    import rapidocr

    model = Path(rapidocr.__file__).parent / "models" / "PP-OCRv6_rec_small.onnx"
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    alphabet = set(session.get_modelmeta().custom_metadata_map["character"].split("\n"))
    assert alphabet >= ocr.RAPID_SURE


def _card_photo() -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 400), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 48)
    pen.text((60, 80), "Nguyễn Thị Hồng Nhung", font=font, fill="black")
    pen.text((60, 200), "ĐT: 0903 456 789", font=font, fill="black")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.process
async def test_worker_reads_survives_a_bad_image_and_stops_when_idle() -> None:
    _engines()
    reader = TextReader(idle_seconds=600)
    try:
        lines = await reader.read(_card_photo())
        assert [line["text"] for line in lines] == ["Nguyễn Thị Hồng Nhung", "ĐT: 0903 456 789"]
        assert lines[0]["height"] > 0 and lines[0]["y"] < lines[1]["y"]
        pid = reader.worker_pid
        with pytest.raises(OcrFailed):
            await reader.read(b"this is not an image")
        assert reader.worker_pid == pid  # one bad image does not cost the next one a restart
        assert len(await reader.read(_card_photo())) == 2
    finally:
        await reader.close()
    assert not reader.running


@pytest.mark.process
async def test_worker_ends_after_idle_time() -> None:
    import asyncio

    _engines()
    reader = TextReader(idle_seconds=0.2)
    try:
        await reader.read(_card_photo())
        for _ in range(50):
            if not reader.running:
                break
            await asyncio.sleep(0.1)
        assert not reader.running
        assert len(await reader.read(_card_photo())) == 2  # and starts again when needed
    finally:
        await reader.close()
