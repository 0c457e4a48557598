import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geofence.frames import GeoPoint, LatLon, LocalFrame, ground_distance_m
from tests.geometries import FAR_NORTH, ORIGIN


@given(
    east_m=st.floats(-20_000, 20_000),
    north_m=st.floats(-20_000, 20_000),
    lat=st.floats(-80, 80),
    lon=st.floats(-179, 179),
)
def test_enu_round_trip_below_a_millimetre_within_20_km(east_m, north_m, lat, lon):
    frame = LocalFrame(LatLon(lat, lon))
    p = frame.enu2geodetic(east_m, north_m)
    e2, n2 = frame.geodetic2enu(p.lat_deg, p.lon_deg)
    assert math.hypot(e2 - east_m, n2 - north_m) < 1e-3


def test_one_degree_of_latitude_is_about_110_km():
    frame = LocalFrame(ORIGIN)
    _e, n = frame.geodetic2enu(ORIGIN.lat_deg + 1.0, ORIGIN.lon_deg)
    assert n == pytest.approx(110_700, rel=0.01)


def test_east_shrinks_with_latitude():
    near_equator = LocalFrame(ORIGIN).geodetic2enu(ORIGIN.lat_deg, ORIGIN.lon_deg + 0.01)[0]
    far_north = LocalFrame(FAR_NORTH).geodetic2enu(FAR_NORTH.lat_deg, FAR_NORTH.lon_deg + 0.01)[0]
    assert far_north / near_equator == pytest.approx(
        math.cos(math.radians(FAR_NORTH.lat_deg)) / math.cos(math.radians(ORIGIN.lat_deg)), rel=0.01
    )


def test_ground_distance():
    frame = LocalFrame(ORIGIN)
    b = frame.enu2geodetic(300.0, 400.0)
    assert ground_distance_m(ORIGIN, b) == pytest.approx(500.0, abs=1e-3)


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_out_of_range_positions_are_refused(lat, lon):
    with pytest.raises(ValueError, match="deg"):
        LatLon(lat, lon)
    with pytest.raises(ValueError, match="deg"):
        GeoPoint(lat, lon, 0.0)


@given(
    east_m=st.floats(-20_000, 20_000),
    north_m=st.floats(-20_000, 20_000),
    lat=st.floats(-80, 80),
    lon=st.floats(-179, 179),
)
def test_scalar_conversions_agree_with_pymap3d(east_m, north_m, lat, lon):
    import numpy as np
    import pymap3d

    frame = LocalFrame(LatLon(lat, lon))
    p = frame.enu2geodetic(east_m, north_m)
    ref = frame.enu2geodetic_many(np.array([east_m]), np.array([north_m]))[0]
    assert p.lat_deg == pytest.approx(ref[0], abs=1e-9)
    assert p.lon_deg == pytest.approx(ref[1], abs=1e-9)
    e, n, _u = pymap3d.geodetic2enu(p.lat_deg, p.lon_deg, 0.0, lat, lon, 0.0)
    assert frame.geodetic2enu(p.lat_deg, p.lon_deg) == pytest.approx((e, n), abs=1e-6)
