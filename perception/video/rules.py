"""Zone rules: when does an object in a zone become a violation, and when does it stop being one.

Per zone and object, a *stay* (停留) runs from entering the zone to leaving it:

- inertia: the object must be in the zone (bottom-centre, score ≥ min_score, box area within min_area and
  max_area) for `inertia_frames` consecutive sampled frames before a stay starts, so one misplaced box does
  not count;
- dwell: the stay raises its alarm once it has lasted `dwell_seconds` — counted from when the object
  settled (its box's IoU with where it settled stays ≥ `stationary.min_iou`) where `stationary.required`,
  so a car crawling through a no-parking strip is not parked;
- one alarm per stay: the stay raises once, not once a frame; it ends (``Cleared``) when the object is seen
  outside the zone for `inertia_frames` frames, or its track is lost and not re-acquired within
  `stationary.reacquire_seconds`;
- one object, one stay: a box of another class over an object that has a stay (IoU ≥ `stationary.min_iou`;
  a van detected as both car and truck) is the same object;
- re-acquisition: when the tracker loses an object (a bus stops in front of a parked car for a minute) and
  a new track appears whose box overlaps the stay's last box by IoU ≥ `stationary.min_iou`, the new track
  takes over the stay — with its dwell clock and its alarm — instead of starting a second one. This is the
  fix for Frigate users' top complaint, repeated alerts for one parked object;
- a restart: the alarms still open when a camera worker stopped come back as raised stays waiting to be
  re-acquired (`resume`), so the car parked through a restart keeps its one alarm, and one gone meanwhile
  is cleared ("lost") once `reacquire_seconds` pass without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from perception.video.camera import ZoneConfig
from perception.video.detector import Box
from perception.video.tracker import TrackedObject, TrackerFrame, iou
from perception.video.zones import ZoneShape


@dataclass(slots=True)
class Stay:
    stay_id: int  # per zone, in order of start
    track_id: int  # the track now following the object (changes on re-acquisition)
    label: str
    box: Box  # last seen
    score: float  # last seen
    anchor: Box  # where the object settled; dwell counts from settled_at while it stays there
    first_seen: float  # first frame of the inertia streak (seconds of video)
    settled_at: float
    last_seen: float
    outside_frames: int = 0  # consecutive frames seen outside the zone
    outside_since: float = 0.0  # the first of them: when the object left
    raised_at: float | None = None
    lost: bool = False  # its track was dropped; waiting to be re-acquired


@dataclass(frozen=True, slots=True)
class Raised:
    zone: ZoneConfig
    stay: Stay  # as it is when raised; read it before the next frame
    at: float


@dataclass(frozen=True, slots=True)
class Cleared:
    zone: ZoneConfig
    stay: Stay
    at: float  # left: the first frame it was seen outside; lost: the last frame it was seen
    reason: Literal["left", "lost"]


RuleEvent = Raised | Cleared


class ZoneRule:
    def __init__(self, zone: ZoneConfig) -> None:
        self.zone = zone
        self.shape = ZoneShape(zone)
        self._classes = frozenset(zone.classes)
        self._streaks: dict[int, tuple[int, float]] = {}  # track id → (consecutive frames in the zone, since)
        self._stays: dict[int, Stay] = {}  # by current track id
        self._lost: list[Stay] = []
        self._next_stay = 1

    @property
    def stays(self) -> list[Stay]:
        """Stays now followed by a track, then those waiting to be re-acquired."""
        return [*self._stays.values(), *self._lost]

    def update(self, frame: TrackerFrame, at: float) -> list[RuleEvent]:
        events: list[RuleEvent] = []
        observed = {obj.track_id for obj in frame.objects}
        streaks: dict[int, tuple[int, float]] = {}  # streaks not extended in this frame are broken
        for obj in frame.objects:
            if obj.label not in self._classes:
                continue
            stay = self._stays.get(obj.track_id)
            if obj.score < self.zone.min_score or not self.shape.sized(obj.box):
                if stay is not None:
                    stay.last_seen = at  # too weak to place, but still there
                continue
            inside = self.shape.contains(obj.box)
            if stay is not None:
                events += self._follow(stay, obj, inside, at)
            elif inside and not self._reacquire(obj, at, observed) and not self._covered(obj):
                count, since = self._streaks.get(obj.track_id, (0, at))
                if count + 1 >= self.zone.inertia_frames:
                    self._start(obj, since, at)
                else:
                    streaks[obj.track_id] = (count + 1, since)
        self._streaks = streaks
        for track_id in frame.dropped:
            stay = self._stays.pop(track_id, None)
            if stay is not None:
                stay.lost = True
                self._lost.append(stay)
        events += self._expire(at)
        events += self._raise_due(at)
        return events

    def resume(self, label: str, box: Box, first_seen: float, raised_at: float, at: float = 0.0) -> Stay:
        """A stay whose alarm was raised before a restart (times in this run's seconds: negative ones are
        before it). It waits, lost, for a track at its box, as after an occlusion; `at` starts the wait."""
        stay = Stay(
            stay_id=self._next_stay,
            track_id=-self._next_stay,  # no track follows it yet (real track ids are positive)
            label=label,
            box=box,
            score=0.0,
            anchor=box,
            first_seen=first_seen,
            settled_at=first_seen,
            last_seen=at,
            raised_at=raised_at,
            lost=True,
        )
        self._next_stay += 1
        self._lost.append(stay)
        return stay

    def _start(self, obj: TrackedObject, since: float, at: float) -> None:
        self._stays[obj.track_id] = Stay(
            stay_id=self._next_stay,
            track_id=obj.track_id,
            label=obj.label,
            box=obj.box,
            score=obj.score,
            anchor=obj.box,
            first_seen=since,
            settled_at=since,
            last_seen=at,
        )
        self._next_stay += 1

    def _follow(self, stay: Stay, obj: TrackedObject, inside: bool, at: float) -> list[RuleEvent]:
        stay.last_seen = at
        if not inside:
            stay.outside_frames += 1
            if stay.outside_frames == 1:
                stay.outside_since = at
            if stay.outside_frames < self.zone.inertia_frames:
                return []
            del self._stays[stay.track_id]
            return [Cleared(self.zone, stay, stay.outside_since, "left")] if stay.raised_at is not None else []
        stay.outside_frames = 0
        stay.box, stay.score = obj.box, obj.score
        # Before the alarm, moving restarts the dwell clock; after it, the alarm holds until the object leaves
        # (a box that jitters while someone walks past must not end one alarm and start another).
        if stay.raised_at is None and iou(obj.box, stay.anchor) < self.zone.stationary.min_iou:
            stay.anchor, stay.settled_at = obj.box, at
        return []

    def _reacquire(self, obj: TrackedObject, at: float, observed: set[int]) -> bool:
        """Hand a lost (or now unseen) stay over to a new track at the same place; True if one was taken."""
        threshold = self.zone.stationary.min_iou
        candidates = self._lost + [s for s in self._stays.values() if s.track_id not in observed]
        best = max(candidates, key=lambda s: iou(s.box, obj.box), default=None)
        if best is None or iou(best.box, obj.box) < threshold:
            return False
        if best.lost:
            self._lost.remove(best)
        else:
            del self._stays[best.track_id]
        best.lost, best.outside_frames = False, 0
        best.track_id, best.box, best.score, best.last_seen = obj.track_id, obj.box, obj.score, at
        self._stays[obj.track_id] = best
        return True

    def _covered(self, obj: TrackedObject) -> bool:
        """A second box on an object that has a stay already: detectors suppress overlaps per class only, so
        one van is often both "car" and "truck". It must not start a second stay (and a second alarm)."""
        threshold = self.zone.stationary.min_iou
        return any(iou(stay.box, obj.box) >= threshold for stay in self._stays.values())

    def _expire(self, at: float) -> list[RuleEvent]:
        window = self.zone.stationary.reacquire_seconds
        expired = [stay for stay in self._lost if at - stay.last_seen > window]
        if not expired:
            return []
        self._lost = [stay for stay in self._lost if at - stay.last_seen <= window]
        return [Cleared(self.zone, stay, stay.last_seen, "lost") for stay in expired if stay.raised_at is not None]

    def _raise_due(self, at: float) -> list[RuleEvent]:
        events: list[RuleEvent] = []
        for stay in self._stays.values():
            if stay.raised_at is not None or stay.last_seen != at or stay.outside_frames:
                continue  # raised already, or not seen in the zone in this frame (no snapshot of it to show)
            start = stay.settled_at if self.zone.stationary.required else stay.first_seen
            if at - start >= self.zone.dwell:
                stay.raised_at = at
                events.append(Raised(self.zone, stay, at))
        return events
