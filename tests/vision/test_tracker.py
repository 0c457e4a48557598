"""Merging sightings: one hit per target, confirmed after k, refined, never outside the zones."""

import pytest
from shapely.geometry import box

from geofence.fence import Fence, FencePolygon
from geofence.frames import LatLon, LocalFrame
from patrol.vision.tracker import Sighting, Tracker

FRAME = LocalFrame(LatLon(16.54, 104.72))


def _fence():
    """A 200 m square zone with an exclusion strip along its east side (the river)."""

    def ring(poly):
        return tuple(FRAME.enu2geodetic(x, y) for x, y in list(poly.exterior.coords)[:-1])

    return Fence(
        polygons=(
            FencePolygon.clockwise(ring(box(-100, -100, 100, 100)), inclusion=True),
            FencePolygon.clockwise(ring(box(80, -100, 100, 100)), inclusion=False),
        )
    ).in_frame(FRAME)


def _s(t, e, n, label="person", conf=0.8, err=1.5):
    return Sighting(t, e, n, err, label, conf, f"jpeg{t}".encode())


def test_three_sightings_of_one_target_make_one_hit():
    seen = []
    tracker = Tracker(_fence(), confirm_after=3, on_hit=seen.append)
    assert tracker.add(_s(0.0, 10.0, 10.0, conf=0.5)) is None
    assert tracker.add(_s(0.5, 11.0, 9.0, conf=0.9)) is None
    hit = tracker.add(_s(1.0, 10.0, 11.0, conf=0.7))
    assert hit is not None
    assert seen == [hit]
    assert (hit.east_m, hit.north_m) == pytest.approx((31 / 3, 10.0))
    assert hit.snapshot_jpeg == b"jpeg0.5"  # the most confident sighting's picture
    assert hit.error_m == pytest.approx(1.5)  # errors shared by the sightings do not average out
    assert tracker.add(_s(1.5, 10.0, 10.0)) is None  # reported once
    assert len(tracker.hits()) == 1
    assert tracker.hits()[0].sightings == 4


def test_different_classes_places_and_times_stay_apart():
    tracker = Tracker(_fence(), gate_m=5.0, window_s=10.0, confirm_after=2)
    tracker.add(_s(0.0, 0.0, 0.0))
    assert tracker.add(_s(0.1, 0.5, 0.0, label="car")) is None  # a car beside the person
    assert tracker.add(_s(0.2, 20.0, 0.0)) is None  # another person, 20 m off
    assert tracker.add(_s(30.0, 0.0, 0.0)) is None  # the first place, much later: a new track
    assert len(tracker.tracks) == 4


def test_sightings_outside_the_zone_or_across_the_river_are_dropped_and_counted():
    tracker = Tracker(_fence(), confirm_after=1)
    assert tracker.add(_s(0.0, 150.0, 0.0)) is None  # outside the zone
    assert tracker.add(_s(0.0, 90.0, 0.0)) is None  # inside the exclusion
    assert tracker.dropped_outside == 2
    assert tracker.tracks == []
    assert tracker.add(_s(0.0, 50.0, 0.0)) is not None


def test_a_target_too_near_the_line_to_tell_its_side_is_not_reported():
    tracker = Tracker(_fence(), confirm_after=1)
    # 78 m east is 2 m inside the river's edge at 80 m; an error of 1.5 m could put it across
    assert tracker.add(_s(0.0, 78.0, 0.0, err=1.5)) is None
    assert tracker.dropped_outside == 1
    assert tracker.add(_s(0.0, 78.0, 0.0, err=0.5)) is not None  # sure enough: reported
