"""The OCR engines, run in their own process: ``python -m core.ocr_worker`` (started by core.ocr).

Two engines, each for what it reads well (measured on synthetic cards, see bench/cardscan.py):
RapidOCR (PP-OCR models on ONNX Runtime, shipped inside its wheel) finds every text line and
reads Chinese, Simplified and Traditional, but its dictionary lacks most Vietnamese letters
("Nguyn Th Hồng"); Tesseract's Vietnamese model reads Latin lines with their diacritics. So
RapidOCR detects the lines and orients them (a card held sideways or upside down), each line
with a Chinese character keeps RapidOCR's reading, and every other line is read again by
Tesseract from a slightly taller crop of the full-resolution image (the detector's box can
clip the marks above ``Ễ`` and below ``ạ``). RapidOCR's own reading of such a line is kept as
``alt``: digits and e-mail addresses are read well by both.

This module imports numpy, OpenCV, ONNX Runtime and Tesseract (about 255 MiB resident once
an image has been read), which is why the bot never imports it: it runs here, started on the
first photo, and ends when the bot closes its stdin.

Protocol on stdin/stdout, one request at a time: a 4-byte big-endian length and that many
bytes of an image (JPEG, PNG, WebP); the answer is a 4-byte length and a UTF-8 JSON object,
``{"lines": [...], "seconds": 0.8}`` or ``{"error": "..."}``. A request of length 0 is a ping,
answered ``{"lines": []}`` once the engines are loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import logging
import math
import os
import re
import struct
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

# Tesseract's OpenMP threads cost more than they give on one short line each; ONNX Runtime
# keeps its own pool. Must be set before the libraries load.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2
import numpy as np
import tesserocr
from PIL import Image, ImageOps
from rapidocr import RapidOCR

from core.ocr import merge_readings

log = logging.getLogger("core.ocr_worker")

# Telegram's largest photo size is 1280 px (2560 on some clients); a document may be a 12 MP
# camera original. Detection runs on at most this many pixels on the long side; Tesseract
# reads its crops from the full image.
DETECT_MAX_SIDE = 1280
DETECT_SIDE = 960
# A decoded image above this is refused rather than decoded (a decompression bomb).
MAX_PIXELS = 40_000_000
# Tesseract reads best with capitals about 30-40 px tall; larger is only slower.
TESSERACT_LINE_HEIGHT = 48
# Extra height above and below the detector's box, as a share of the box's height.
CROP_PAD = 0.35
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Engine:
    """RapidOCR for finding lines and reading Chinese; Tesseract for Latin lines."""

    def __init__(self, tessdata: str) -> None:
        models = Path(sys.modules[RapidOCR.__module__].__file__ or "").parent / "models"
        self._rapid = RapidOCR(params={
            "Global.log_level": "warning",
            # Resizing and padding are done here, so boxes stay in this image's coordinates.
            "Global.use_preprocess_img": False,
            "Global.use_vertical_padding": False,
            # The detector's default enlarges the short side to 736 px; a card's text is
            # found as well at 960 px on the long side, in half the time.
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECT_SIDE,
            # The models inside the wheel, named, so nothing is ever looked up or downloaded.
            "Det.model_path": str(models / "PP-OCRv6_det_small.onnx"),
            "Cls.model_path": str(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
            "Rec.model_path": str(models / "PP-OCRv6_rec_small.onnx"),
        })
        self._latin = tesserocr.PyTessBaseAPI(
            path=tessdata, lang="vie", psm=tesserocr.PSM.SINGLE_LINE,
            oem=tesserocr.OEM.LSTM_ONLY)

    def close(self) -> None:
        self._latin.End()

    def read(self, data: bytes) -> list[dict[str, Any]]:
        """Text lines of an image, in reading order, with where they are and how big."""
        full = _decode(data)
        scale = min(1.0, DETECT_MAX_SIDE / max(full.shape[:2]))
        small = full if scale == 1.0 else cv2.resize(
            full, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        op: dict[str, Any] = {"preprocess": {"ratio_h": 1.0, "ratio_w": 1.0}}
        try:
            crops, det = self._rapid.detect_and_crop(small, op)
        except Exception as exc:  # RapidOCRError: nothing that looks like text
            if type(exc).__name__ != "RapidOCRError":
                raise
            return []
        # The classifier's verdict on one short line is often wrong, so the page turns as a
        # whole: upside down when most of its text (by width) says so.
        _, cls = self._rapid.cls_and_rotate(crops)
        threshold = float(self._rapid.cfg.Cls.cls_thresh)
        votes = [crop.shape[1] * (1 if "180" in label and certainty > threshold else -1)
                 for crop, (label, certainty) in zip(crops, cls.cls_res or [], strict=True)]
        flipped = sum(votes) > 0
        upright = [cv2.rotate(crop, cv2.ROTATE_180) if flipped else crop for crop in crops]
        rec = self._rapid.recognize_txt(upright)
        found: Any = det.boxes if det.boxes is not None else []
        boxes = [np.asarray(box, dtype=np.float32) / scale for box in found]
        lines = []
        for k, (text, score) in enumerate(zip(rec.txts or (), rec.scores or (), strict=True)):
            text = " ".join(str(text).split())
            if text:
                others = boxes[:k] + boxes[k + 1:]
                lines.append(self._line(full, boxes[k], others, text, float(score), flipped))
        return _reading_order(lines)

    def _line(self, full: np.ndarray, box: np.ndarray, others: list[np.ndarray], text: str,
              score: float, flipped: bool) -> dict[str, Any]:
        along, down = _axes(box, flipped)
        centre = box.mean(axis=0)
        height = 2 * max(abs(float(np.dot(p - centre, down))) for p in box)
        width = 2 * max(abs(float(np.dot(p - centre, along))) for p in box)
        line = {"text": text, "alt": text, "score": round(score, 3), "height": round(height, 1),
                "width": round(width, 1), "center": [round(float(v), 1) for v in centre],
                "along": [round(float(v), 4) for v in along]}
        if not _CJK_RE.search(text):
            latin = self._read_latin(full, box, others, along, down, height)
            line["text"] = merge_readings(latin, text)
        return line

    def _read_latin(self, full: np.ndarray, box: np.ndarray, others: list[np.ndarray],
                    along: np.ndarray, down: np.ndarray, height: float) -> str:
        crop = _crop(full, box, others, along, down, height)
        if crop is None:
            return ""
        self._latin.SetImage(Image.fromarray(crop))
        return " ".join(self._latin.GetUTF8Text().split())


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError(f"image too large: {image.width}x{image.height}")
        # A camera original (sent as a file) says in EXIF which way is up.
        upright = ImageOps.exif_transpose(image).convert("RGB")
    # OpenCV's channel order, which RapidOCR's models expect.
    return np.ascontiguousarray(np.asarray(upright)[:, :, ::-1])


def _axes(box: np.ndarray, flipped: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along the text and down its lines, in image coordinates (y down)."""
    top = box[1] - box[0]
    side = box[3] - box[0]
    # RapidOCR turns a crop taller than 1.5x its width a quarter turn (np.rot90): the
    # text then runs down the box's side.
    along = side if np.linalg.norm(side) >= 1.5 * np.linalg.norm(top) else top
    along = along / (np.linalg.norm(along) or 1.0)
    if flipped:
        along = -along
    down = np.array([-along[1], along[0]])
    return along, down


def _crop(full: np.ndarray, box: np.ndarray, others: list[np.ndarray], along: np.ndarray,
          down: np.ndarray, height: float) -> np.ndarray | None:
    """The line, upright, with room above and below, scaled for Tesseract; the parts of
    neighbouring lines that fall in that room are painted over (Tesseract reads nothing
    at all from a single-line crop that shows half of another line)."""
    centre = box.mean(axis=0)
    width = 2 * max(abs(float(np.dot(p - centre, along))) for p in box)
    pad = CROP_PAD * height
    half_w, half_h = width / 2 + pad / 2, height / 2 + pad
    if half_w < 2 or half_h < 2:
        return None
    src = np.array([centre - along * half_w - down * half_h,
                    centre + along * half_w - down * half_h,
                    centre + along * half_w + down * half_h,
                    centre - along * half_w + down * half_h], dtype=np.float32)
    zoom = TESSERACT_LINE_HEIGHT / height
    out_w, out_h = math.ceil(2 * half_w * zoom), math.ceil(2 * half_h * zoom)
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    crop = cv2.cvtColor(cv2.warpPerspective(full, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC,
                                            borderMode=cv2.BORDER_REPLICATE), cv2.COLOR_BGR2GRAY)
    mask = np.zeros(crop.shape, dtype=np.uint8)
    for other in others:
        polygon = cv2.perspectiveTransform(other.reshape(-1, 1, 2), matrix)
        cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 255)
    own = cv2.perspectiveTransform(box.astype(np.float32).reshape(-1, 1, 2), matrix)
    cv2.fillPoly(mask, [np.round(own).astype(np.int32)], 0)
    if mask.any():
        crop[mask > 0] = int(np.median(crop))
    return crop


def _reading_order(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top to bottom, then left to right, in the frame of the text's own direction."""
    if not lines:
        return lines
    angles = sorted(math.atan2(line["along"][1], line["along"][0]) for line in lines)
    angle = angles[len(angles) // 2]
    along = np.array([math.cos(angle), math.sin(angle)])
    down = np.array([-along[1], along[0]])
    for line in lines:
        centre = np.array(line["center"])
        line["x"] = round(float(np.dot(centre, along)), 1)
        line["y"] = round(float(np.dot(centre, down)), 1)
        del line["center"], line["along"]
    unit = sorted(line["height"] for line in lines)[len(lines) // 2] or 1.0
    # Boxes of one printed row differ by a few pixels; half a line height apart is one row.
    return sorted(lines, key=lambda line: (round(line["y"] / (unit * 0.5)), line["x"]))


def _read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    data = stream.read(size)
    return data if len(data) == size else None


def _write_frame(stream: BinaryIO, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    stream.write(struct.pack(">I", len(body)) + body)
    stream.flush()


def _give_back_memory() -> None:
    """Return freed heap to the system. ONNX Runtime allocates for each image's own sizes;
    glibc keeps what it frees (measured: 490 MiB after twelve cards, 255 MiB trimmed)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def serve(tessdata: str) -> None:
    """Answer requests on stdin until it closes."""
    # Anything a library prints must not corrupt the answers: stdout becomes stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    engine = Engine(tessdata)
    try:
        while (data := _read_frame(requests)) is not None:
            started = time.perf_counter()
            try:
                lines = engine.read(data) if data else []
            except Exception as exc:  # one bad image must not end the worker
                log.warning("could not read an image: %r", exc)
                _write_frame(answers, {"error": f"{type(exc).__name__}: {exc}"})
                _give_back_memory()
                continue
            _write_frame(answers, {"lines": lines,
                                   "seconds": round(time.perf_counter() - started, 3)})
            _give_back_memory()
    finally:
        engine.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    serve(sys.argv[1])
