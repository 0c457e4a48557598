"""Small ONNX models the tests build themselves, in the YOLOv5 and YOLOv8 output layouts.

Each model takes a [1, 3, S, S] image and outputs fixed detections (plus 0 x the image's mean,
so the graph really reads its input): enough to drive the real loading, letterbox and decoding
path without any downloaded weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(path: Path, rows: np.ndarray, *, size: int, layout: str) -> Path:
    """`rows` are (cx, cy, w, h, score per class) in letterboxed input pixels."""
    rows = np.asarray(rows, dtype=np.float32)
    if layout == "v5":
        boxes, scores = rows[:, :4], rows[:, 4:]
        out = np.concatenate([boxes, np.ones((len(rows), 1), np.float32), scores], axis=1)[None]
    else:
        out = rows.T[None]  # [1, 4 + C, N]
    constant = numpy_helper.from_array(out.astype(np.float32), "detections")
    zero = numpy_helper.from_array(np.zeros((1,), np.float32), "zero")
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["detections", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "test-yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(out.shape))],
        initializer=[constant, zero],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path
