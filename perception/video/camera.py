"""A camera's configuration (CAMERA.yaml): its source, the detector to run on it and the zones it watches.

Relative paths in the file (weights, labels, a source file) are read relative to the file's own folder, so a
camera folder can be moved as a whole. `load_camera` also checks every zone's object classes against the label
map, so a misspelt class is an error at start-up, not a zone that silently never fires.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from shapely.geometry import Polygon

LABELS_DIR = Path(__file__).parent / "data"
COCO_LABELS = LABELS_DIR / "coco_labels.txt"


# URL schemes of live streams (FFmpeg protocols): such a source is reopened when it drops. Anything else,
# a path or a file:// URL, is a file that ends the run at its end.
STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "tcp", "srt", "rtp"})


def is_stream_url(source: str) -> bool:
    scheme, sep, _ = source.partition("://")
    return bool(sep) and scheme.lower() in STREAM_SCHEMES


class Timestamps(StrEnum):
    """Where a frame's second of video comes from.

    A live camera's container rate is a promise it often breaks: many drop to half their frame rate at night
    or under load (variable frame rate) while still reporting 25 fps. Frame index / reported rate would then run
    dwell times at half speed and put the alarms' wall times hours behind by morning — wrong evidence. So a
    live stream is timed by this machine's monotonic clock when each frame arrives (a near-constant network
    delay late, which durations do not feel); a file, which has no wall time, by its frame index and rate.
    """

    CLOCK = "clock"
    STREAM = "stream"


def default_timestamps(source: str) -> Timestamps:
    return Timestamps.CLOCK if is_stream_url(source) else Timestamps.STREAM


class CameraConfigError(ValueError):
    """The camera file cannot be read or is invalid; the message names the file and the offending field."""


class ViolationType(StrEnum):
    VEHICLE_ILLEGAL_PARKING = "vehicle_illegal_parking"  # 机动车乱停放
    NONMOTOR_ILLEGAL_PARKING = "nonmotor_illegal_parking"  # 非机动车乱停放
    STREET_VENDING = "street_vending"  # 占道经营 / 店外经营
    PILED_MATERIALS = "piled_materials"  # 乱堆物堆料


VIOLATION_NAMES: dict[ViolationType, str] = {
    ViolationType.VEHICLE_ILLEGAL_PARKING: "机动车乱停放",
    ViolationType.NONMOTOR_ILLEGAL_PARKING: "非机动车乱停放",
    ViolationType.STREET_VENDING: "占道经营",
    ViolationType.PILED_MATERIALS: "乱堆物堆料",
}

# COCO stand-ins where a zone names no classes: COCO has no "stall" or "building materials", so vending and
# piled materials use what such scenes show (parasols, tables, chairs; luggage-like goods). A model
# fine-tuned on real classes replaces these through the zone's `classes`.
DEFAULT_CLASSES: dict[ViolationType, tuple[str, ...]] = {
    ViolationType.VEHICLE_ILLEGAL_PARKING: ("car", "bus", "truck"),
    ViolationType.NONMOTOR_ILLEGAL_PARKING: ("bicycle", "motorcycle"),
    ViolationType.STREET_VENDING: ("umbrella", "dining table", "chair", "potted plant"),
    ViolationType.PILED_MATERIALS: ("suitcase", "backpack", "handbag"),
}

# Seconds an object must stay before it is a violation, where a zone does not say (common city practice:
# a vehicle photographed twice a few minutes apart; goods and piles left longer).
DEFAULT_DWELL_SECONDS: dict[ViolationType, float] = {
    ViolationType.VEHICLE_ILLEGAL_PARKING: 180.0,
    ViolationType.NONMOTOR_ILLEGAL_PARKING: 300.0,
    ViolationType.STREET_VENDING: 300.0,
    ViolationType.PILED_MATERIALS: 600.0,
}


class ZoneMode(StrEnum):
    INSIDE = "inside"  # the polygon is where the object must not be (禁停区, 人行道)
    OUTSIDE = "outside"  # the polygon is where the object belongs (非机动车停放区): outside it is the violation


class DetectorKind(StrEnum):
    SSDLITE = "ssdlite"  # ssdlite320_mobilenet_v3_large: ~41-55 ms a frame on 2 CPU threads
    FASTERRCNN = "fasterrcnn"  # fasterrcnn_mobilenet_v3_large_320_fpn: ~90 ms, better on small objects


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def valid_polygon(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(points)}")
    shape = Polygon(points)
    if not shape.is_valid or shape.area <= 0:
        raise ValueError("the polygon crosses itself or has no area: list its corners in order around it")
    return points


class StationaryConfig(_Strict):
    """When a box counts as "the same object, not moving", and how long a lost one may be re-acquired."""

    # IoU with the box where the object settled; below it the object moved and its dwell clock restarts.
    # The same IoU matches an object re-appearing after an occlusion to the stay it had before.
    min_iou: Annotated[float, Field(gt=0.0, le=1.0)] = 0.6
    # A stay whose track was lost waits this long for the object to re-appear before it ends.
    reacquire_seconds: Annotated[float, Field(ge=0.0)] = 30.0
    # True: dwell counts only while the object stands still (parking, stalls, piles). False: presence is enough.
    required: bool = True


class ZoneConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    polygon: list[tuple[float, float]]  # image pixels [[x, y], ...] of the sampled frames
    violation: ViolationType
    mode: ZoneMode | None = None  # None: outside for nonmotor_illegal_parking (the polygon is the parking area)
    classes: tuple[str, ...] = ()  # empty: DEFAULT_CLASSES of the violation type
    min_score: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    # Box area in pixels² of the sampled frames (Frigate's object filters): a "car" the size of a matchbox far
    # down the road, or a box over half the frame, is not what this zone judges.
    min_area: Annotated[float, Field(ge=0.0)] = 0.0
    max_area: Annotated[float | None, Field(gt=0.0)] = None
    inertia_frames: Annotated[int, Field(ge=1, le=100)] = 3  # consecutive sampled frames in the zone to count
    dwell_seconds: Annotated[float | None, Field(ge=0.0)] = None  # None: DEFAULT_DWELL_SECONDS of the type
    stationary: StationaryConfig = StationaryConfig()

    @field_validator("polygon")
    @classmethod
    def _valid_polygon(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return valid_polygon(points)

    @model_validator(mode="after")
    def _area_bounds(self) -> Self:
        if self.max_area is not None and self.max_area < self.min_area:
            raise ValueError(f"max_area {self.max_area:g} is below min_area {self.min_area:g}")
        return self

    @model_validator(mode="after")
    def _fill_defaults(self) -> Self:
        # Frozen model: fill the per-type defaults once, so every reader sees concrete values.
        if not self.classes:
            object.__setattr__(self, "classes", DEFAULT_CLASSES[self.violation])
        if self.mode is None:
            nonmotor = self.violation is ViolationType.NONMOTOR_ILLEGAL_PARKING
            object.__setattr__(self, "mode", ZoneMode.OUTSIDE if nonmotor else ZoneMode.INSIDE)
        if self.dwell_seconds is None:
            object.__setattr__(self, "dwell_seconds", DEFAULT_DWELL_SECONDS[self.violation])
        return self

    @property
    def dwell(self) -> float:
        assert self.dwell_seconds is not None  # filled by _fill_defaults
        return self.dwell_seconds


class TrackerConfig(_Strict):
    high_score: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5  # detections that may start a track
    low_score: Annotated[float, Field(ge=0.0, le=1.0)] = 0.2  # weaker ones only extend existing tracks
    match_iou: Annotated[float, Field(gt=0.0, le=1.0)] = 0.3
    max_missed_frames: Annotated[int, Field(ge=0, le=1000)] = 5  # a track survives this many unmatched frames
    # Boxes of different classes overlapping this much are one object (car / truck confusion)
    same_object_iou: Annotated[float, Field(gt=0.0, le=1.0)] = 0.7

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low_score > self.high_score:
            raise ValueError(f"low_score {self.low_score} is above high_score {self.high_score}")
        return self


class DetectorConfig(_Strict):
    model: DetectorKind = DetectorKind.SSDLITE
    weights: Path  # a local state_dict file (perception/video/README.md says how to install one)
    labels: Path = COCO_LABELS  # one class name a line, line i = model output i
    threads: Annotated[int, Field(ge=1, le=256)] = 2  # torch intra-op threads
    device: Annotated[str, Field(pattern=r"^(cpu|cuda(:\d+)?)$")] = "cpu"  # where the model runs
    score_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.2  # drop weaker boxes inside the model
    max_detections: Annotated[int, Field(ge=1, le=1000)] = 100  # per frame, best first


class CameraConfig(_Strict):
    camera_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    district: Annotated[str, Field(min_length=1)]  # 区划: the district the alarms go to
    source: Annotated[str, Field(min_length=1)]  # a video file, or a stream URL (rtsp://, http://)
    # Reopen the source with backoff when it cannot be opened or drops. None: a stream URL does, a file does not
    # (true on a file replays it; false on a stream ends the run at the first drop, as a file's end does).
    reconnect: bool | None = None
    fps: Annotated[float, Field(gt=0.0, le=60.0)] = 2.0  # frames sampled per second of video
    timestamps: Timestamps | None = None  # None: the clock for a stream URL, the frame rate for a file
    detector: DetectorConfig
    tracker: TrackerConfig = TrackerConfig()
    zones: Annotated[list[ZoneConfig], Field(min_length=1)]
    # Object masks (Frigate's): polygons where no detection counts — a billboard or a screen showing cars, a car
    # park seen through the fence. Judged by the box's bottom-centre, as zones are.
    masks: list[list[tuple[float, float]]] = []

    @field_validator("masks")
    @classmethod
    def _valid_masks(cls, masks: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
        for index, points in enumerate(masks):
            try:
                valid_polygon(points)
            except ValueError as exc:
                raise ValueError(f"mask {index}: {exc}") from None
        return masks

    @model_validator(mode="after")
    def _unique_zone_names(self) -> Self:
        names = [zone.name for zone in self.zones]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"zone names must be unique; repeated: {', '.join(duplicated)}")
        return self

    @model_validator(mode="after")
    def _fill_reconnect(self) -> Self:
        if self.reconnect is None:
            object.__setattr__(self, "reconnect", is_stream_url(self.source))
        if self.timestamps is None:
            object.__setattr__(self, "timestamps", default_timestamps(self.source))
        return self

    @property
    def live(self) -> bool:
        """The source is reopened when it drops (a live stream)."""
        assert self.reconnect is not None  # filled by _fill_reconnect
        return self.reconnect

    @property
    def realtime(self) -> bool:
        """Its frames are of now: a stream URL, or a source timed by the clock (a capture device). A restart is
        a gap in one timeline, so the alarms left open before it are taken back; a file is a timeline of its own."""
        return is_stream_url(self.source) or self.timestamps is Timestamps.CLOCK

    @property
    def watched_classes(self) -> frozenset[str]:
        return frozenset(label for zone in self.zones for label in zone.classes)

    def check_labels(self, labels: list[str]) -> None:
        """Every zone class must be a class the model can output."""
        known = set(labels)
        for zone in self.zones:
            unknown = [label for label in zone.classes if label not in known]
            if unknown:
                raise CameraConfigError(
                    f"camera {self.camera_id}, zone {zone.name!r}: {', '.join(map(repr, unknown))} not in the label "
                    f"map {self.detector.labels} (set the zone's classes to names listed there)"
                )


def load_labels(path: Path) -> list[str]:
    """Class names by model output index; '#' lines are comments, 'N/A' and '__background__' hold unused slots."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CameraConfigError(f"cannot read the label map {path}: {exc.strerror or exc}") from exc
    labels = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(labels) < 2:
        raise CameraConfigError(f"label map {path}: needs a background line and at least one class")
    return labels


def _resolve(base: Path, value: object) -> object:
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str(base / value)
    return value


def parse_camera(data: object, base: Path, origin: str = "<camera>") -> CameraConfig:
    """Validate a parsed CAMERA.yaml; relative file paths are taken relative to `base`."""
    if not isinstance(data, dict):
        raise CameraConfigError(f"{origin}: expected a mapping of camera settings, got {type(data).__name__}")
    data = dict(data)
    detector = data.get("detector")
    if isinstance(detector, dict):
        data["detector"] = {
            key: _resolve(base, v) if key in ("weights", "labels") else v for key, v in detector.items()
        }
    source = data.get("source")
    if isinstance(source, str) and "://" not in source:
        data["source"] = _resolve(base, source)
    try:
        return CameraConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(file)'}: {error['msg']}" for error in exc.errors()
        )
        raise CameraConfigError(f"{origin}: {problems}") from exc


def load_camera(path: Path) -> CameraConfig:
    """Read and check CAMERA.yaml, including its zones' classes against the label map."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CameraConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise CameraConfigError(f"{path}: not valid YAML: {exc}") from exc
    camera = parse_camera(data, path.resolve().parent, str(path))
    camera.check_labels(load_labels(camera.detector.labels))
    return camera
