"""The real torchvision code path: build the model, save a state_dict, load it through the detector, run it.

No weights are downloaded: the models are random (seeded), which is enough to test loading, inference and
output handling; `pretrained_architecture` builds the exact module tree torchvision's published COCO files
were saved from (without fetching them), so we know such a file loads.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torchvision.models.detection import (
    FasterRCNN_MobileNet_V3_Large_320_FPN_Weights,
    SSDLite320_MobileNet_V3_Large_Weights,
    fasterrcnn_mobilenet_v3_large_320_fpn,
    ssdlite320_mobilenet_v3_large,
)

from perception.video.camera import COCO_LABELS, DetectorConfig, DetectorKind, load_labels
from perception.video.detector import (
    UNUSED_LABELS,
    TorchvisionDetector,
    WeightsError,
    build_model,
    set_postprocess,
)

from .synthetic import HEIGHT, WIDTH, render, sprite

LABELS = load_labels(COCO_LABELS)


def frame() -> np.ndarray[Any, np.dtype[np.uint8]]:
    return render(1.0, [sprite("car", (40, 20), (0, 60, 80)), sprite("bicycle", (8, 14), (0, 20, 30))])


def random_ssdlite(seed: int, num_classes: int = len(LABELS)) -> torch.nn.Module:
    """torchvision's initialisation leaves the head near zero (every score 1/91); spread it so seeds differ."""
    torch.manual_seed(seed)
    model = build_model(DetectorKind.SSDLITE, num_classes)
    head: torch.nn.Module = model.head  # type: ignore[assignment]  # Module.__getattr__ says Tensor | Module
    for parameter in head.parameters():
        torch.nn.init.normal_(parameter, std=0.1)
    return model


def save_random_ssdlite(path: Path, seed: int = 0, num_classes: int = len(LABELS)) -> Path:
    torch.save(random_ssdlite(seed, num_classes).state_dict(), path)
    return path


def detector(weights: Path, kind: DetectorKind = DetectorKind.SSDLITE) -> TorchvisionDetector:
    # score_threshold 0: keep a random model's weak boxes to look at them. One thread: these frames are tiny,
    # and two spinning OpenMP threads crawl when the test machine's two cores are busy with other work.
    return TorchvisionDetector.from_config(DetectorConfig(model=kind, weights=weights, score_threshold=0.0, threads=1))


def test_a_saved_state_dict_loads_and_detects(tmp_path: Path) -> None:
    weights = save_random_ssdlite(tmp_path / "ssdlite.pth")
    found = detector(weights).detect(frame())
    assert found, "a random SSD still proposes boxes above score 0"
    for detection in found:
        x1, y1, x2, y2 = detection.box
        assert all(isinstance(v, float) for v in detection.box)
        assert 0 <= x1 <= x2 <= WIDTH and 0 <= y1 <= y2 <= HEIGHT
        assert detection.label in LABELS and detection.label not in UNUSED_LABELS
        assert 0.0 <= detection.score <= 1.0
    # The file's weights are what runs: the same outputs as the model it was saved from
    original = random_ssdlite(0).eval()
    set_postprocess(original, 0.0)
    with torch.inference_mode():
        expected = original([torch.from_numpy(frame()).permute(2, 0, 1).float() / 255])[0]
    assert [d.score for d in found] == pytest.approx(expected["scores"][: len(found)].tolist())


def test_detection_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = detector(save_random_ssdlite(tmp_path / "a.pth", seed=7)).detect(frame())
    again = detector(save_random_ssdlite(tmp_path / "b.pth", seed=7)).detect(frame())
    other = detector(save_random_ssdlite(tmp_path / "c.pth", seed=8)).detect(frame())
    assert first == again
    assert [d.score for d in first] != [d.score for d in other]


def test_frames_must_be_rgb_uint8(tmp_path: Path) -> None:
    model = detector(save_random_ssdlite(tmp_path / "w.pth"))
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        model.detect(np.zeros((120, 160), dtype=np.uint8))
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        model.detect(np.zeros((120, 160, 3), dtype=np.float32))


def test_a_missing_weights_file_says_how_to_install_one(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match=r"not found; perception/video/README.md, 'Installing model weights'"):
        detector(tmp_path / "ssdlite.pth")


def test_a_corrupt_or_foreign_file_is_refused_clearly(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"\x89PNG not a checkpoint" * 10)
    with pytest.raises(WeightsError, match="not a readable PyTorch state_dict file"):
        detector(corrupt)
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(save_random_ssdlite(tmp_path / "full.pth").read_bytes()[:100_000])
    with pytest.raises(WeightsError, match="not a readable PyTorch state_dict file"):
        detector(truncated)
    pickled = tmp_path / "list.pth"
    torch.save([1, 2, 3], pickled)
    with pytest.raises(WeightsError, match="holds no state_dict"):
        detector(pickled)


def test_weights_for_another_class_count_or_model_are_refused(tmp_path: Path) -> None:
    five = save_random_ssdlite(tmp_path / "five.pth", num_classes=5)
    with pytest.raises(WeightsError, match="does not fit the ssdlite model with 91 classes"):
        detector(five)
    with pytest.raises(WeightsError, match="is not a fasterrcnn state_dict"):
        detector(save_random_ssdlite(tmp_path / "ssd.pth"), DetectorKind.FASTERRCNN)


def pretrained_architecture(builder: Any, weights: Any, monkeypatch: pytest.MonkeyPatch) -> torch.nn.Module:
    """What torchvision builds for `weights=COCO_V1`, without downloading the file into it."""
    with monkeypatch.context() as patch:
        patch.setattr(type(weights), "get_state_dict", lambda self, *args, **kwargs: {})
        patch.setattr(torch.nn.Module, "load_state_dict", lambda self, *args, **kwargs: None)
        model: torch.nn.Module = builder(weights=weights)
    return model


@pytest.mark.parametrize(
    ("kind", "builder", "weights"),
    [
        (DetectorKind.SSDLITE, ssdlite320_mobilenet_v3_large, SSDLite320_MobileNet_V3_Large_Weights.COCO_V1),
        (
            DetectorKind.FASTERRCNN,
            fasterrcnn_mobilenet_v3_large_320_fpn,
            FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.COCO_V1,
        ),
    ],
)
def test_the_published_coco_files_fit_our_untrained_models(
    tmp_path: Path, kind: DetectorKind, builder: Any, weights: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert weights.meta["categories"] == LABELS  # the shipped label map is torchvision's COCO order
    torch.manual_seed(1)
    path = tmp_path / f"{kind.value}_coco.pth"
    torch.save(pretrained_architecture(builder, weights, monkeypatch).state_dict(), path)
    found = detector(path, kind).detect(frame())
    assert all(d.label in LABELS for d in found)
