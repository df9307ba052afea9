"""The IoU tracker's ids across frames and misses, and zone membership by the bottom-centre of the box."""

from perception.video.camera import TrackerConfig, ViolationType, ZoneConfig, ZoneMode
from perception.video.detector import Box, Detection
from perception.video.tracker import IouTracker, iou, iou_matrix
from perception.video.zones import ZoneShape


def car(x: float, y: float = 50, score: float = 0.9, label: str = "car", w: float = 40, h: float = 20) -> Detection:
    return Detection((x, y, x + w, y + h), label, score)


def ids(tracker: IouTracker, *detections: Detection) -> list[int]:
    return [obj.track_id for obj in tracker.update(list(detections)).objects]


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == 50 / 150
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    boxes: list[Box] = [(0, 0, 10, 10), (5, 0, 15, 10), (10, 0, 20, 10), (3, 3, 3, 3)]  # the last has no area
    matrix = iou_matrix(boxes, boxes[:3])
    assert matrix.shape == (4, 3)
    assert matrix.tolist() == [[iou(a, b) for b in boxes[:3]] for a in boxes]


def test_a_moving_object_keeps_its_id_and_a_second_one_gets_another() -> None:
    tracker = IouTracker()
    assert ids(tracker, car(0)) == [1]
    assert ids(tracker, car(8)) == [1]
    assert ids(tracker, car(16), car(100, label="bus")) == [1, 2]
    assert ids(tracker, car(104, label="bus"), car(24)) == [1, 2]  # order of detections does not matter


def test_prediction_follows_an_object_that_moves_more_than_the_match_allows() -> None:
    tracker = IouTracker()
    for step in range(3):  # learn the velocity while steps overlap
        assert ids(tracker, car(step * 20)) == [1]
    # 30 px a frame with a 40 px box: IoU with the last box is 1/7 < 0.3, with the expected one high
    for step in range(3, 8):
        assert ids(tracker, car(40 + (step - 2) * 30)) == [1]


def test_short_misses_keep_the_id_and_longer_ones_drop_the_track() -> None:
    tracker = IouTracker(TrackerConfig(max_missed_frames=2))
    ids(tracker, car(50))
    assert tracker.update([]).dropped == []
    assert tracker.update([]).dropped == []
    assert ids(tracker, car(51)) == [1]  # back after two missed frames
    for _ in range(2):
        assert tracker.update([]).dropped == []
    assert tracker.update([]).dropped == [1]
    assert tracker.active == 0
    assert ids(tracker, car(51)) == [2]


def test_weak_detections_extend_tracks_but_do_not_start_them() -> None:
    tracker = IouTracker(TrackerConfig(high_score=0.5, low_score=0.2))
    assert ids(tracker, car(0, score=0.3)) == []
    assert ids(tracker, car(0, score=0.1)) == []
    assert ids(tracker, car(0, score=0.8)) == [1]
    assert ids(tracker, car(2, score=0.3)) == [1]  # partly hidden: still the same car
    assert ids(tracker, car(2, score=0.1)) == []  # below low_score: noise, the track counts a miss


def test_classes_are_tracked_apart_unless_their_boxes_are_one_object() -> None:
    tracker = IouTracker()
    ids(tracker, car(0), car(20, label="truck"))  # IoU 1/3: a car beside a truck
    frame = tracker.update([car(21, label="truck"), car(1)])
    assert {(o.label, o.track_id) for o in frame.objects} == {("car", 1), ("truck", 2)}


def test_a_van_seen_as_car_and_truck_is_one_track_labelled_by_majority() -> None:
    tracker = IouTracker(TrackerConfig(same_object_iou=0.7))
    van = [car(0), car(1, label="truck", score=0.6)]  # both boxes in one frame: the weaker is a duplicate
    frames = [van, [car(1, label="truck")], [car(0)], van, [car(1, label="truck")], [car(0)]]
    seen = [[(o.track_id, o.label) for o in tracker.update(detections).objects] for detections in frames]
    assert seen == [[(1, "car")], [(1, "car")], [(1, "car")], [(1, "car")], [(1, "car")], [(1, "car")]]
    late = IouTracker()
    ids(late, car(0))
    for _ in range(3):
        labels = [o.label for o in late.update([car(0, label="truck")]).objects]
    assert labels == ["truck"]  # seen as truck 3 times out of 4


def zone(mode: ZoneMode = ZoneMode.INSIDE) -> ZoneShape:
    polygon = [(0.0, 100.0), (200.0, 100.0), (200.0, 150.0), (0.0, 150.0)]
    return ZoneShape(ZoneConfig(name="z", polygon=polygon, violation=ViolationType.PILED_MATERIALS, mode=mode))


def test_membership_is_judged_by_the_bottom_centre_of_the_box() -> None:
    shape = zone()
    tall_beside: Box = (10, 20, 50, 99)  # stands just above the zone
    roof_over: Box = (10, 60, 50, 160)  # covers the zone in the image, but stands below it
    assert not shape.contains(tall_beside)
    assert not shape.contains(roof_over)
    assert shape.contains((10, 60, 50, 120))
    assert shape.contains((10, 60, 50, 100))  # on the edge counts as in
    assert shape.contains((-10, 60, 30, 120))  # the box may stick out of the zone; its ground point is in


def test_outside_mode_reverses_membership() -> None:
    area = zone(ZoneMode.OUTSIDE)  # the polygon is the marked parking area
    assert not area.contains((10, 60, 50, 120))
    assert area.contains((10, 20, 50, 99))


def test_a_zone_off_the_frame_is_noticed() -> None:
    assert zone().overlaps_frame(640, 480)
    assert not zone().overlaps_frame(160, 90)
