"""ONNX object detectors in the YOLO layouts, run with onnxruntime (3x OpenCV's DNN module on
the same network in `python -m bench vision`; OpenCV still letterboxes and suppresses).

Layouts, told apart by the output's shape against the number of class names C:
- YOLOv5: [1, N, 5 + C] rows of (cx, cy, w, h, objectness, class scores...);
- YOLOv8/v11: [1, 4 + C, N] columns of (cx, cy, w, h, class scores...).
Boxes are in the letterboxed input's pixels: the image is scaled to fit `size` x `size`, padded
grey, and boxes are mapped back. Non-maximum suppression per class, a class filter and a
confidence threshold follow. Sliced inference cuts the frame into overlapping tiles of the model's
size (small targets seen from altitude stay large enough) and suppresses across tiles.
No weights are fetched: the model and its class names are files the user provides.

onnxruntime is imported only here, when an ONNX detector is made (`runtime`), never by merely
importing this module: its official builds (1.29 on) start Microsoft's telemetry as they load, on
Linux too, writing a device id and a queued usage record (executable path, OS, CPU) under
~/.cache/Microsoft/DeveloperTools/ for upload. A police tool must not, so the documented opt-out
is set before the import and the API's switch after it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from geofence.words import plural
from patrol.vision.detections import Detection, Image, Scene
from patrol.vision.errors import VisionError

PAD_GREY = 114
NMS_IOU = 0.45
#: onnxruntime's runtime opt-out of its telemetry, read once as it initialises: the documented
#: name (docs/Privacy.md, honoured by 1.29 to 1.32), and the name its newer sources read.
TELEMETRY_OFF = ("ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED")


def runtime() -> Any:
    """onnxruntime with its telemetry off: the environment switch before the first import (an
    earlier value, even "0", is overridden), `disable_telemetry_events` after it."""
    for name in TELEMETRY_OFF:
        os.environ[name] = "1"
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    return onnxruntime


def read_class_names(path: Path) -> tuple[str, ...]:
    """One class name per line (blank lines ignored), as YOLO exports write `*.names`."""
    if not path.is_file():
        raise VisionError(
            f"{path}: no class-names file (one name per line; pass --classes FILE or put "
            f"{path.name} beside the model)"
        )
    names = tuple(line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines())
    names = tuple(n for n in names if n)
    if not names:
        raise VisionError(f"{path}: the class-names file is empty")
    return names


@dataclass(frozen=True, slots=True)
class Letterbox:
    scale: float
    pad_x: float
    pad_y: float


def letterbox(image: Image, size: int) -> tuple[Image, Letterbox]:
    h, w = image.shape[:2]
    scale = min(size / w, size / h)
    nw, nh = round(w * scale), round(h * scale)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas = np.full((size, size, 3), PAD_GREY, dtype=np.uint8)
    if resized.ndim == 2:
        resized = cv2.cvtColor(resized, cv2.COLOR_GRAY2BGR)
    canvas[py : py + nh, px : px + nw] = resized
    return canvas, Letterbox(scale, px, py)


def decode(
    output: npt.NDArray[np.float32], classes: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Boxes (cx, cy, w, h), scores and class ids from a YOLO output of either layout."""
    shape = tuple(output.shape)
    if len(shape) == 3 and shape[0] == 1 and shape[2] == 5 + classes:
        rows = output[0]
        scores_all = rows[:, 5:] * rows[:, 4:5]
    elif len(shape) == 3 and shape[0] == 1 and shape[1] == 4 + classes:
        rows = output[0].T
        scores_all = rows[:, 4:]
    else:
        raise VisionError(
            f"model output shape {list(shape)} cannot be decoded with "
            f"{plural(classes, 'class name')}: expected [1, N, {5 + classes}] (YOLOv5) or "
            f"[1, {4 + classes}, N] (YOLOv8/v11); "
            "check the class-names file matches the model"
        )
    ids = np.argmax(scores_all, axis=1)
    scores = scores_all[np.arange(len(ids)), ids]
    return rows[:, :4], scores.astype(np.float32), ids


@dataclass
class OnnxDetector:
    """A YOLO-layout ONNX model (`--detector onnx:PATH`)."""

    path: Path
    names_path: Path | None = None
    size: int = 640
    confidence: float = 0.35
    keep: frozenset[str] | None = None  # class filter: None keeps every class
    tiled: bool = False
    overlap: float = 0.2
    name: str = "onnx"
    classes: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.path.is_file():
            raise VisionError(f"{self.path}: no such model file")
        names = self.names_path or self.path.with_suffix(".names")
        self.classes = read_class_names(names)
        if self.keep is not None and (unknown := self.keep - set(self.classes)):
            raise VisionError(
                f"class filter {sorted(unknown)} not among the model's classes {list(self.classes)}"
            )
        ort = runtime()
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: patrol says what went wrong itself
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own types for unreadable models
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
            reason = text.rsplit("failed:", 1)[-1].strip()[:120]
            raise VisionError(f"{self.path}: not a model onnxruntime can load ({reason})") from exc
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        shape = model_input.shape
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise VisionError(
                f"{self.path}: input {self.input_name} has shape {shape}; a YOLO export takes "
                "[1, 3, size, size] images"
            )
        if isinstance(shape[2], int):
            self.size = shape[2]  # a fixed input size wins over the option
        # one dry run: a model whose output cannot be decoded fails here, not mid-flight
        self._run(np.full((self.size, self.size, 3), PAD_GREY, np.uint8))

    def _run(
        self, square: Image
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        blob = cv2.dnn.blobFromImage(square, 1 / 255.0, (self.size, self.size), swapRB=True)
        try:
            outputs = self.session.run(None, {self.input_name: blob})
        except Exception as exc:  # onnxruntime's own error types
            raise VisionError(f"{self.path}: the model failed to run ({exc})") from exc
        return decode(np.asarray(outputs[0], dtype=np.float32), len(self.classes))

    def _detect_one(self, image: Image, dx: float = 0.0, dy: float = 0.0) -> list[Detection]:
        square, box = letterbox(image, self.size)
        xywh, scores, ids = self._run(square)
        out = []
        for (cx, cy, w, h), score, k in zip(xywh, scores, ids, strict=True):
            if score < self.confidence:
                continue
            label = self.classes[int(k)]
            if self.keep is not None and label not in self.keep:
                continue
            x = (cx - w / 2 - box.pad_x) / box.scale + dx
            y = (cy - h / 2 - box.pad_y) / box.scale + dy
            out.append(
                Detection(
                    float(x),
                    float(y),
                    float(w / box.scale),
                    float(h / box.scale),
                    label,
                    float(score),
                )
            )
        return out

    def detect(self, image: Image, scene: Scene) -> list[Detection]:
        if not self.tiled:
            return suppress(self._detect_one(image))
        found: list[Detection] = []
        h, w = image.shape[:2]
        step = max(int(self.size * (1 - self.overlap)), 1)
        for y0 in _starts(h, self.size, step):
            for x0 in _starts(w, self.size, step):
                tile = image[y0 : y0 + self.size, x0 : x0 + self.size]
                found += self._detect_one(tile, x0, y0)
        return suppress(found)


def _starts(length: int, size: int, step: int) -> list[int]:
    if length <= size:
        return [0]
    starts = list(range(0, length - size, step))
    return [*starts, length - size]


def suppress(found: list[Detection]) -> list[Detection]:
    """Non-maximum suppression per class."""
    out: list[Detection] = []
    for label in {d.label for d in found}:
        same = [d for d in found if d.label == label]
        boxes = [[d.x_px, d.y_px, d.w_px, d.h_px] for d in same]
        keep = cv2.dnn.NMSBoxes(boxes, [d.confidence for d in same], 0.0, NMS_IOU)
        out += [same[int(k)] for k in np.asarray(keep).ravel()]
    return sorted(out, key=lambda d: -d.confidence)
