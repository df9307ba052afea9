"""Object detection on one frame: the `Detector` protocol and its torchvision implementation.

The models are built with `weights=None, weights_backbone=None` (nothing is ever downloaded) and their
state_dict is read from the local file the camera names. torch is imported only when a model is built, so
reading configuration, tracking and zone rules (and the `zhifa` command line) do not pay its start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from perception.video.camera import DetectorConfig, DetectorKind, load_labels

if TYPE_CHECKING:
    import torch

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in frame pixels
Frame = NDArray[np.uint8]  # H x W x 3, RGB

UNUSED_LABELS = frozenset({"__background__", "N/A"})
INSTALL_HINT = "perception/video/README.md, 'Installing model weights', says how to install one"


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box
    label: str
    score: float


class Detector(Protocol):
    def detect(self, frame: Frame) -> list[Detection]:
        """The objects found in one H x W x 3 uint8 RGB frame."""
        ...


class WeightsError(RuntimeError):
    """The weights file is missing, unreadable, or does not fit the configured model and label map."""


def build_model(kind: DetectorKind, num_classes: int) -> torch.nn.Module:
    """The untrained torchvision architecture; the COCO files torchvision publishes load into it as they are."""
    from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn, ssdlite320_mobilenet_v3_large

    model: torch.nn.Module
    if kind is DetectorKind.SSDLITE:
        model = ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=num_classes)
    else:
        model = fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None, num_classes=num_classes)
    return model


def set_postprocess(model: torch.nn.Module, score_threshold: float, max_detections: int = 100) -> None:
    """Drop weak boxes inside the model (its box decoding and NMS then handle fewer) and cap the count."""
    heads = getattr(model, "roi_heads", model)  # Faster R-CNN keeps them on its ROI heads, SSD on itself
    heads.score_thresh = score_threshold
    heads.detections_per_img = max_detections


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    import torch

    if not path.is_file():
        raise WeightsError(f"model weights file {path} not found; {INSTALL_HINT}")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises many types (UnpicklingError, RuntimeError, EOFError …) for a bad file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{path} is not a readable PyTorch state_dict file ({reason}); {INSTALL_HINT}") from exc
    if isinstance(loaded, dict) and isinstance(loaded.get("model"), dict):
        loaded = loaded["model"]  # a checkpoint of torchvision's reference training scripts
    if not isinstance(loaded, dict) or not loaded or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise WeightsError(f"{path} holds no state_dict (save `model.state_dict()`); {INSTALL_HINT}")
    return loaded


def load_weights(model: torch.nn.Module, path: Path, kind: DetectorKind, num_classes: int) -> None:
    state = read_state_dict(path)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # size mismatches: another class count or another architecture
        raise WeightsError(
            f"{path} does not fit the {kind.value} model with {num_classes} classes (the label map's line count): "
            f"{str(exc).splitlines()[1].strip() if len(str(exc).splitlines()) > 1 else exc}"
        ) from exc
    # torchvision's pretrained Faster R-CNN uses FrozenBatchNorm2d, which has no num_batches_tracked buffer.
    missing = [key for key in missing if not key.endswith("num_batches_tracked")]
    if missing or unexpected:
        sample = ", ".join((missing or unexpected)[:3])
        raise WeightsError(
            f"{path} is not a {kind.value} state_dict: {len(missing)} parameters missing, {len(unexpected)} "
            f"unexpected (e.g. {sample}); check `detector.model`"
        )


class TorchvisionDetector:
    """SSDLite320 / Faster R-CNN MobileNetV3-320 on the CPU, one frame at a time."""

    def __init__(self, model: torch.nn.Module, labels: list[str], *, threads: int = 2, device: str = "cpu") -> None:
        import torch

        torch.set_num_threads(threads)  # process-wide: the pipeline runs one model per process
        self._torch = torch
        self._device = torch.device(device)
        self._model = model.eval().to(self._device)
        self._labels = labels

    @classmethod
    def from_config(cls, config: DetectorConfig) -> TorchvisionDetector:
        labels = load_labels(config.labels)
        model = build_model(config.model, len(labels))
        load_weights(model, config.weights, config.model, len(labels))
        set_postprocess(model, config.score_threshold, config.max_detections)
        return cls(model, labels, threads=config.threads, device=config.device)

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def detect(self, frame: Frame) -> list[Detection]:
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an H x W x 3 uint8 RGB frame, got {frame.dtype} {frame.shape}")
        torch = self._torch
        with torch.inference_mode():
            # The models resize and normalise themselves; they want CHW floats in [0, 1].
            image = torch.from_numpy(frame if frame.flags.writeable else frame.copy()).to(self._device)
            output = self._model([image.permute(2, 0, 1).float() / 255])[0]
            boxes: list[list[float]] = output["boxes"].tolist()
            classes: list[int] = output["labels"].tolist()
            scores: list[float] = output["scores"].tolist()
        found = []
        for box, index, score in zip(boxes, classes, scores, strict=True):
            label = self._labels[index] if 0 <= index < len(self._labels) else "N/A"
            if label not in UNUSED_LABELS:
                found.append(Detection((box[0], box[1], box[2], box[3]), label, score))
        return found
