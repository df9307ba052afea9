"""Zone rules on recorded detections: inertia, dwell, min_score, stationary objects and their one alarm."""

from collections.abc import Sequence
from typing import Any

import pytest

from perception.video.camera import DEFAULT_CLASSES, StationaryConfig, TrackerConfig, ViolationType, ZoneConfig
from perception.video.detector import Detection
from perception.video.rules import Cleared, Raised, RuleEvent, ZoneRule
from perception.video.tracker import IouTracker

ZONE = [(100.0, 100.0), (300.0, 100.0), (300.0, 200.0), (100.0, 200.0)]  # a no-parking strip
INSIDE_X, OUTSIDE_X = 150.0, 400.0  # box left edges: ground point inside / right of the zone


def no_parking(**settings: Any) -> ZoneConfig:
    defaults: dict[str, Any] = {"inertia_frames": 3, "dwell_seconds": 5}
    return ZoneConfig(
        name="禁停区", polygon=ZONE, violation=ViolationType.VEHICLE_ILLEGAL_PARKING, **defaults | settings
    )


def box(x: float, label: str = "car", score: float = 0.9, y: float = 130, w: float = 40, h: float = 30) -> Detection:
    return Detection((x, y, x + w, y + h), label, score)


def run(zone: ZoneConfig, frames: Sequence[Sequence[Detection]], fps: float = 1.0) -> list[RuleEvent]:
    """Frames at `fps` through a tracker (2 missed frames tolerated) and the zone's rule."""
    tracker, rule = IouTracker(TrackerConfig(max_missed_frames=2)), ZoneRule(zone)
    events: list[RuleEvent] = []
    for index, detections in enumerate(frames):
        events += rule.update(tracker.update(detections), index / fps)
    return events


def raised(events: list[RuleEvent]) -> list[Raised]:
    return [e for e in events if isinstance(e, Raised)]


def cleared(events: list[RuleEvent]) -> list[Cleared]:
    return [e for e in events if isinstance(e, Cleared)]


def test_a_parked_car_raises_one_alarm_after_the_dwell_time() -> None:
    events = run(no_parking(), [[box(INSIDE_X)]] * 30)
    assert [(e.at, e.stay.first_seen, e.stay.label) for e in raised(events)] == [(5.0, 0.0, "car")]
    assert cleared(events) == []


def test_inertia_needs_consecutive_frames() -> None:
    flicker = [[box(INSIDE_X)], [box(INSIDE_X)], []] * 10  # never 3 frames in a row (the track survives misses)
    assert raised(run(no_parking(dwell_seconds=0), flicker)) == []
    events = run(no_parking(dwell_seconds=0), [[], [box(INSIDE_X)], [box(INSIDE_X)], [box(INSIDE_X)]])
    assert [(e.at, e.stay.first_seen) for e in raised(events)] == [(3.0, 1.0)]


def test_weak_detections_do_not_count() -> None:
    assert raised(run(no_parking(min_score=0.5), [[box(INSIDE_X, score=0.45)]] * 20)) == []
    events = run(no_parking(min_score=0.5), [[box(INSIDE_X, score=0.6)]] * 20)
    assert len(raised(events)) == 1


def test_a_car_outside_the_zone_or_of_another_class_is_ignored() -> None:
    assert run(no_parking(), [[box(OUTSIDE_X)]] * 20) == []
    assert run(no_parking(), [[box(INSIDE_X, label="bicycle")]] * 20) == []


def test_a_car_crawling_through_is_not_parked_until_it_stops() -> None:
    crawl = [[box(100 + 15 * step)] for step in range(10)]  # 15 px a second, 40 px wide: IoU with anchor drops
    stopped = [[box(250)]] * 10
    events = run(no_parking(), crawl + stopped)
    assert [(e.at, e.stay.first_seen) for e in raised(events)] == [(15.0, 0.0)]  # stopped at 10 s, dwell 5 s
    # Where presence is enough (a loitering rule), the dwell counts from entering
    presence = no_parking(stationary=StationaryConfig(required=False))
    assert [e.at for e in raised(run(presence, crawl + stopped))] == [5.0]


def test_a_parked_car_hidden_for_longer_than_the_tracker_tolerates_keeps_its_one_alarm() -> None:
    frames = [[box(INSIDE_X)]] * 8 + [[]] * 6 + [[box(INSIDE_X + 2)]] * 10  # a bus stands in front for 6 s
    events = run(no_parking(), frames)
    assert len(raised(events)) == 1 and cleared(events) == []
    rule_stays = raised(events)[0].stay
    assert rule_stays.track_id == 2  # the new track took the stay over


def test_re_acquisition_also_keeps_the_dwell_clock_of_a_car_not_yet_alarmed() -> None:
    frames = [[box(INSIDE_X)]] * 3 + [[]] * 4 + [[box(INSIDE_X)]] * 5
    assert [(e.at, e.stay.first_seen) for e in raised(run(no_parking(), frames))] == [(7.0, 0.0)]


def test_jitter_after_the_alarm_does_not_end_it_or_start_another() -> None:
    half_hidden = box(INSIDE_X, w=20)  # a pedestrian covers half the car: IoU 0.5 with the full box
    frames = [[box(INSIDE_X)]] * 8 + [[half_hidden], [box(INSIDE_X)]] * 5
    events = run(no_parking(), frames)
    assert len(raised(events)) == 1 and cleared(events) == []


# Pulling out, accelerating: the ground point (x + 20) leaves the zone at x > 280
LEAVE = [[box(INSIDE_X + dx)] for dx in (10, 25, 45, 70, 100, 135, 175, 220, 270)]


def test_a_van_detected_as_car_and_truck_is_one_object() -> None:
    both = [box(INSIDE_X), box(INSIDE_X + 1, label="truck", score=0.7)]
    flipping = [[box(INSIDE_X)], both, [box(INSIDE_X + 1, label="truck")]] * 8  # the label flips too
    events = run(no_parking(), flipping)
    assert len(raised(events)) == 1 and cleared(events) == []


def test_the_alarm_ends_when_the_car_is_seen_leaving() -> None:
    events = run(no_parking(), [[box(INSIDE_X)]] * 8 + LEAVE)
    assert len(raised(events)) == 1
    (end,) = cleared(events)
    assert end.reason == "left" and end.stay is raised(events)[0].stay
    assert end.at == 13.0  # outside from 13 s (x 285), judged so on the third frame outside


def test_the_alarm_ends_when_a_lost_car_is_not_seen_again_in_time() -> None:
    zone = no_parking(stationary=StationaryConfig(reacquire_seconds=4))
    events = run(zone, [[box(INSIDE_X)]] * 8 + [[]] * 10)
    (end,) = cleared(events)
    assert end.reason == "lost" and end.at == 7.0  # last seen


def test_another_car_at_the_same_spot_after_the_first_left_is_a_new_alarm() -> None:
    events = run(no_parking(), [[box(INSIDE_X)]] * 8 + LEAVE + [[]] * 3 + [[box(INSIDE_X)]] * 8)
    assert len(raised(events)) == 2
    assert [e.stay.stay_id for e in raised(events)] == [1, 2]


def test_a_lost_car_is_not_matched_to_one_elsewhere_in_the_zone() -> None:
    frames = [[box(INSIDE_X)]] * 8 + [[]] * 4 + [[box(230)]] * 8
    assert len(raised(run(no_parking(), frames))) == 2


@pytest.mark.parametrize("violation", list(ViolationType))
def test_every_violation_type_raises_once_for_its_own_classes(violation: ViolationType) -> None:
    zone = ZoneConfig(name="z", polygon=ZONE, violation=violation, dwell_seconds=4, inertia_frames=2)
    own, other = DEFAULT_CLASSES[violation][0], "person"
    x = OUTSIDE_X if violation is ViolationType.NONMOTOR_ILLEGAL_PARKING else INSIDE_X  # outside the parking area
    events = run(zone, [[box(x, label=own), box(x, y=20, label=other)]] * 10)
    assert [(e.stay.label, e.at) for e in raised(events)] == [(own, 4.0)]
    if violation is ViolationType.NONMOTOR_ILLEGAL_PARKING:
        assert run(zone, [[box(INSIDE_X, label=own)]] * 10) == []  # parked in the area: fine
