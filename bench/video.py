"""Video pipeline (perception/video): frames per second of the whole pipeline against the bare detector.

A synthetic 640x480 street clip (cars driving and parking, bicycles, a stall; BENCH_VIDEO_FRAMES frames,
default 100, at 10 fps) is written as MJPG and read back through `read_frames`; the decoded frames are then
kept in memory and, frame by frame and interleaved:

- bare: the SSDLite320-MobileNetV3 forward alone (HWC uint8 → CHW float tensor, `model([image])` under
  inference_mode);
- pipeline: `Pipeline.process` on the same frame with the same model (the forward, box conversion, class
  filter, tracker, zone rules, and the snapshot JPEG of each alarm raised).

No trained weights can be downloaded here, and a random SSD scores every class ~1/91 (no boxes survive the
threshold, which would leave the tracker idle). So the model is random but its classification bias is raised
for car and bicycle: MAX_DETECTIONS boxes a frame reach the tracker and zone rules, which start stays and
raise alarms with snapshots, as in a busy street. The forward's compute does not depend on the weights.
Target: pipeline fps ≥ 0.9 x bare fps, torch threads = 2. Run: `python -m bench.video`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import torch
from numpy.typing import NDArray

from perception.video.alarms import MemorySink
from perception.video.camera import CameraConfig, DetectorConfig, DetectorKind, ZoneConfig, load_labels
from perception.video.detector import Detection, Detector, TorchvisionDetector, build_model, set_postprocess
from perception.video.frames import read_frames
from perception.video.pipeline import Pipeline

FRAMES = int(os.environ.get("BENCH_VIDEO_FRAMES", "100"))
THREADS = int(os.environ.get("BENCH_VIDEO_THREADS", "2"))
DEVICE = os.environ.get("BENCH_VIDEO_DEVICE", "cpu")  # cuda on a GPU machine
WIDTH, HEIGHT, FPS = 640, 480, 10
WARMUP = 5
BOOST = 5.0  # logit bias: a score of ~0.6, above the tracker's high score and the zones' min_score (0.5)
MAX_DETECTIONS = 30  # a busy street

Frame = NDArray[np.uint8]


def scene(index: int) -> Frame:
    """A road with two lanes of traffic, two parked cars, bicycles by the kerb and a stall on the sidewalk."""
    frame = np.full((HEIGHT, WIDTH, 3), 70, dtype=np.uint8)
    frame[:120] = (150, 150, 140)  # sidewalk
    frame[300:304:, ::40] = 230  # lane marks
    boxes = [
        ((index * 12) % (WIDTH + 120) - 120, 320, 120, 60, (200, 30, 30)),
        (WIDTH - (index * 9) % (WIDTH + 120), 220, 110, 55, (30, 60, 200)),
        (80, 400, 120, 60, (220, 220, 220)),
        (380, 395, 130, 65, (20, 20, 20)),
        (40, 60, 20, 40, (30, 30, 220)),
        (70, 62, 20, 40, (220, 120, 30)),
        (400, 30, 80, 50, (40, 180, 40)),
    ]
    for x, y, w, h, colour in boxes:
        frame[max(0, y) : y + h, max(0, x) : max(0, x + w)] = colour
    return frame


def clip(folder: Path) -> list[tuple[float, Frame]]:
    path = folder / "street.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    for index in range(FRAMES + WARMUP):
        writer.write(cv2.cvtColor(scene(index), cv2.COLOR_RGB2BGR))
    writer.release()
    begin = time.perf_counter()
    frames = list(read_frames(str(path), fps=FPS))
    decode = time.perf_counter() - begin
    print(f"decode (read_frames, MJPG {WIDTH}x{HEIGHT}): {len(frames) / decode:.0f} fps")
    return frames


def busy_model(labels: list[str]) -> torch.nn.Module:
    """Random SSDLite whose head favours car on half of its anchor shapes and bicycle on the other half."""
    torch.manual_seed(0)
    model = build_model(DetectorKind.SSDLITE, len(labels))
    classes = len(labels)
    for block in model.head.classification_head.module_list:  # type: ignore[union-attr]
        bias = block[-1].bias  # channels are anchor-major: anchor shape a, class k at a * classes + k
        shapes = bias.numel() // classes
        with torch.no_grad():
            for shape in range(shapes):
                label = "car" if shape < shapes // 2 else "bicycle"
                bias[shape * classes + labels.index(label)] += BOOST
    return model


def camera(weights: Path) -> CameraConfig:
    road = [(0.0, 200.0), (640.0, 200.0), (640.0, 480.0), (0.0, 480.0)]
    bike_bay = [(560.0, 0.0), (640.0, 0.0), (640.0, 120.0), (560.0, 120.0)]  # bicycles outside it: violation
    return CameraConfig(
        camera_id="bench",
        district="110105",
        source="memory",
        fps=FPS,
        detector=DetectorConfig(weights=weights, threads=THREADS, max_detections=MAX_DETECTIONS, device=DEVICE),
        zones=[
            ZoneConfig(name="road", polygon=road, violation="vehicle_illegal_parking", dwell_seconds=2),
            ZoneConfig(name="bike-bay", polygon=bike_bay, violation="nonmotor_illegal_parking", dwell_seconds=2),
        ],
    )


class TimedDetector:
    """The pipeline's detector, timed: what the pipeline spends outside it is its own overhead."""

    def __init__(self, inner: Detector) -> None:
        self._inner = inner
        self.last = 0.0

    def detect(self, frame: Frame) -> list[Detection]:
        begin = time.perf_counter()
        found = self._inner.detect(frame)
        self.last = time.perf_counter() - begin
        return found


def main() -> None:
    torch.set_num_threads(THREADS)
    where = torch.cuda.get_device_name() if DEVICE.startswith("cuda") else "cpu"
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average {load}; torch {torch.__version__}, {THREADS} threads, device {DEVICE} ({where})")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frames = clip(folder)
        labels = load_labels(DetectorConfig(weights=folder / "w.pth").labels)
        torch.save(busy_model(labels).state_dict(), folder / "w.pth")
        config = camera(folder / "w.pth")
        timed = TimedDetector(TorchvisionDetector.from_config(config.detector))
        bare_model = build_model(DetectorKind.SSDLITE, len(labels))
        bare_model.load_state_dict(torch.load(folder / "w.pth", map_location="cpu", weights_only=True))
        set_postprocess(bare_model, config.detector.score_threshold, config.detector.max_detections)
        bare_model.eval().to(DEVICE)
        sink = MemorySink()
        pipeline = Pipeline(config, timed, sink, origin=datetime.now(UTC))

        def bare(frame: Frame) -> int:
            with torch.inference_mode():
                image = torch.from_numpy(frame).to(DEVICE).permute(2, 0, 1).float() / 255
                return len(bare_model([image])[0]["boxes"].tolist())  # .tolist(): wait for the GPU, as detect() does

        bare_s, pipe_s, detect_s, boxes = [], [], [], []
        for index, (at, frame) in enumerate(frames):
            # Alternate which runs first, so neither always finds the other's warm caches
            first_bare = index % 2 == 0
            begin = time.perf_counter()
            found = bare(frame) if first_bare else 0
            middle = time.perf_counter()
            pipeline.process(at, frame)
            end = time.perf_counter()
            found = found if first_bare else bare(frame)
            after = time.perf_counter()
            if index >= WARMUP:
                bare_s.append(middle - begin if first_bare else after - end)
                pipe_s.append(end - middle)
                detect_s.append(timed.last)
                boxes.append(found)
    bare_fps, pipe_fps = len(bare_s) / sum(bare_s), len(pipe_s) / sum(pipe_s)
    stats = pipeline.stats
    print(
        f"{len(bare_s)} frames {WIDTH}x{HEIGHT} after {WARMUP} warm-up; {statistics.mean(boxes):.0f} boxes a frame, "
        f"{stats.raised} alarms raised (snapshots drawn), {stats.cleared} cleared"
    )
    print(f"bare SSDLite forward: {bare_fps:5.1f} fps (p50 {statistics.median(bare_s) * 1000:.1f} ms)")
    print(f"whole pipeline:       {pipe_fps:5.1f} fps (p50 {statistics.median(pipe_s) * 1000:.1f} ms)")
    overhead = [pipe - detect for pipe, detect in zip(pipe_s, detect_s, strict=True)]
    print(
        f"pipeline outside detector.detect(): mean {statistics.mean(overhead) * 1000:.2f} ms, "
        f"p50 {statistics.median(overhead) * 1000:.2f} ms, max {max(overhead) * 1000:.1f} ms a frame"
    )
    ratio = pipe_fps / bare_fps
    print(f"ratio {ratio:.2f}x (target ≥ 0.9x: {'met' if ratio >= 0.9 else 'NOT met'})")


if __name__ == "__main__":
    main()
