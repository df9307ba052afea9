"""Zone geometry: is an object in a zone? Judged, as Frigate does, by the bottom-centre of its box.

The bottom-centre is where the object touches the ground, so a tall truck beside a no-parking strip is not
"in" it just because its roof overlaps the polygon in the image. In `outside` mode (非机动车停放区) the test is
reversed: a bicycle whose ground point is outside the marked parking area is the violation.
"""

from __future__ import annotations

import shapely
from shapely.geometry import Polygon, box

from perception.video.camera import CameraConfig, ZoneConfig, ZoneMode
from perception.video.detector import Box


def ground_point(object_box: Box) -> tuple[float, float]:
    return ((object_box[0] + object_box[2]) / 2, object_box[3])


class ZoneShape:
    def __init__(self, zone: ZoneConfig) -> None:
        self.zone = zone
        self.polygon = Polygon(zone.polygon)
        shapely.prepare(self.polygon)  # many point tests per frame against one polygon
        self._outside = zone.mode is ZoneMode.OUTSIDE

    def contains(self, object_box: Box) -> bool:
        x, y = ground_point(object_box)
        inside = bool(shapely.intersects_xy(self.polygon, x, y))  # a point on the edge counts as inside
        return inside != self._outside

    def sized(self, object_box: Box) -> bool:
        """The box's area is within the zone's min_area..max_area."""
        area = (object_box[2] - object_box[0]) * (object_box[3] - object_box[1])
        return area >= self.zone.min_area and (self.zone.max_area is None or area <= self.zone.max_area)

    def overlaps_frame(self, width: int, height: int) -> bool:
        """False when the polygon lies wholly off the frame: drawn for another resolution or camera."""
        return bool(self.polygon.intersects(box(0, 0, width, height)))


class Masks:
    """The camera's object masks: a detection whose ground point lies in one is dropped before tracking."""

    def __init__(self, camera: CameraConfig) -> None:
        self._polygons = [Polygon(points) for points in camera.masks]
        for polygon in self._polygons:
            shapely.prepare(polygon)

    def covers(self, object_box: Box) -> bool:
        x, y = ground_point(object_box)
        return any(shapely.intersects_xy(polygon, x, y) for polygon in self._polygons)
