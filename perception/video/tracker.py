"""A ByteTrack-style IoU tracker: stable track ids across sampled frames.

Confident detections are matched to the tracks first (by IoU with where each track is expected, greedy, best
overlap first); weak detections then only extend tracks left unmatched, so an object whose score dips (partly
hidden, bad light) keeps its id without weak noise starting tracks. A track survives `max_missed_frames`
frames without a match, so a short occlusion does not change the id; longer ones are bridged by the zone
rules, which re-attach a re-appearing stationary object to its stay.

Detectors suppress overlapping boxes per class only and confuse neighbouring classes (car / truck, bicycle /
motorcycle): a box of another class over a stronger one by IoU ≥ `same_object_iou` is dropped as a
duplicate, a track may take a detection of another class at that overlap, and a track's label is the class
it was seen as most often. Otherwise one van flickering between car and truck would be two objects, neither
in view for `inertia_frames` frames in a row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from perception.video.camera import TrackerConfig
from perception.video.detector import Box, Detection


def iou(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def iou_matrix(a: Sequence[Box], b: Sequence[Box]) -> NDArray[np.float64]:
    """IoU of every box in `a` with every box in `b` (len(a) x len(b)): one numpy pass, not a Python loop,
    so a busy street (50 cars against 50 tracks) stays well under a millisecond."""
    first, second = np.asarray(a, dtype=np.float64)[:, None, :], np.asarray(b, dtype=np.float64)[None, :, :]
    width = np.clip(np.minimum(first[..., 2], second[..., 2]) - np.maximum(first[..., 0], second[..., 0]), 0, None)
    height = np.clip(np.minimum(first[..., 3], second[..., 3]) - np.maximum(first[..., 1], second[..., 1]), 0, None)
    inter = width * height
    area_a = (first[..., 2] - first[..., 0]) * (first[..., 3] - first[..., 1])
    area_b = (second[..., 2] - second[..., 0]) * (second[..., 3] - second[..., 1])
    union = area_a + area_b - inter
    result: NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return result


@dataclass(frozen=True, slots=True)
class TrackedObject:
    """One track's observation in the current frame."""

    track_id: int
    label: str
    box: Box
    score: float


@dataclass(frozen=True, slots=True)
class TrackerFrame:
    objects: list[TrackedObject]  # the tracks matched in this frame
    dropped: list[int]  # tracks given up in this frame (missed more than max_missed_frames)


@dataclass(slots=True)
class _Track:
    track_id: int
    box: Box
    votes: Counter[str] = field(default_factory=Counter)  # class → frames seen as it
    velocity: Box = (0.0, 0.0, 0.0, 0.0)  # per frame, smoothed: lets a passing car be matched at 2 fps
    missed: int = 0
    matched: bool = False

    @property
    def label(self) -> str:
        return self.votes.most_common(1)[0][0]  # ties: the class seen first

    def expected(self) -> Box:
        steps = self.missed + 1
        return (
            self.box[0] + self.velocity[0] * steps,
            self.box[1] + self.velocity[1] * steps,
            self.box[2] + self.velocity[2] * steps,
            self.box[3] + self.velocity[3] * steps,
        )

    def update(self, box: Box, label: str) -> None:
        self.votes[label] += 1
        steps = self.missed + 1
        moved = tuple((new - old) / steps for new, old in zip(box, self.box, strict=True))
        smoothed = tuple(0.5 * v + 0.5 * m for v, m in zip(self.velocity, moved, strict=True))
        self.velocity = (smoothed[0], smoothed[1], smoothed[2], smoothed[3])
        self.box = box
        self.missed = 0
        self.matched = True


class IouTracker:
    def __init__(self, config: TrackerConfig | None = None) -> None:
        self._config = config or TrackerConfig()
        self._tracks: list[_Track] = []
        self._next_id = 1

    @property
    def active(self) -> int:
        return len(self._tracks)

    def update(self, detections: Sequence[Detection]) -> TrackerFrame:
        config = self._config
        for track in self._tracks:
            track.matched = False
        kept_detections = self._without_duplicates(detections)
        strong = [d for d in kept_detections if d.score >= config.high_score]
        weak = [d for d in kept_detections if config.low_score <= d.score < config.high_score]
        objects, unmatched = self._associate(strong)
        objects += self._associate(weak)[0]
        for detection in unmatched:
            track = _Track(self._next_id, detection.box, Counter({detection.label: 1}), matched=True)
            self._next_id += 1
            self._tracks.append(track)
            objects.append(TrackedObject(track.track_id, track.label, track.box, detection.score))
        dropped = []
        kept = []
        for track in self._tracks:
            if not track.matched:
                track.missed += 1
                if track.missed > config.max_missed_frames:
                    dropped.append(track.track_id)
                    continue
            kept.append(track)
        self._tracks = kept
        return TrackerFrame(objects, dropped)

    def _without_duplicates(self, detections: Sequence[Detection]) -> list[Detection]:
        """Drop a box that covers a stronger box of another class (class-agnostic NMS at same_object_iou)."""
        if len(detections) < 2:
            return list(detections)
        ordered = sorted(detections, key=lambda d: d.score, reverse=True)
        overlaps = iou_matrix([d.box for d in ordered], [d.box for d in ordered])
        labels = np.array([d.label for d in ordered])
        duplicate = (overlaps >= self._config.same_object_iou) & (labels[:, None] != labels[None, :])
        kept: list[int] = []
        for index in range(len(ordered)):
            if not kept or not duplicate[index, kept].any():
                kept.append(index)
        return [ordered[index] for index in kept]

    def _associate(self, detections: list[Detection]) -> tuple[list[TrackedObject], list[Detection]]:
        """Greedy matching of detections to tracks not matched yet: same class by IoU ≥ match_iou, another
        class only by IoU ≥ same_object_iou; same-class pairs first, best overlap first.

        Returns the matched observations and the detections left over."""
        tracks = [track for track in self._tracks if not track.matched]
        if not detections or not tracks:
            return [], detections
        overlaps = iou_matrix([d.box for d in detections], [t.expected() for t in tracks])
        same_class = np.array([d.label for d in detections])[:, None] == np.array([t.label for t in tracks])[None, :]
        allowed = np.where(same_class, overlaps >= self._config.match_iou, overlaps >= self._config.same_object_iou)
        rows, columns = np.nonzero(allowed)
        preference = overlaps[rows, columns] + same_class[rows, columns]  # same class first, then IoU
        used: set[int] = set()
        objects = []
        for pair in np.argsort(-preference, kind="stable").tolist():
            d_index, track = int(rows[pair]), tracks[int(columns[pair])]
            if d_index in used or track.matched:
                continue
            used.add(d_index)
            detection = detections[d_index]
            track.update(detection.box, detection.label)
            objects.append(TrackedObject(track.track_id, track.label, detection.box, detection.score))
        return objects, [d for index, d in enumerate(detections) if index not in used]
