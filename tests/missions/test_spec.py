import pytest

from missions import Pattern, SpecError, load_spec


def _spec(tmp_path, text):
    path = tmp_path / "patrol.toml"
    path.write_text(text)
    return path


def _error(tmp_path, text) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(_spec(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    assert "patrol.toml" in message
    return message


def test_sample_spec(examples):
    spec = load_spec(examples / "patrol.toml")
    assert spec.pattern is Pattern.SWEEP
    assert spec.alt_rel_m == 40.0
    assert spec.area_path == (examples / "area.geojson").resolve()
    assert spec.lane_angle_deg is None
    assert spec.camera.focal_length_mm == 13.0


def test_unknown_key_suggests_the_nearest(tmp_path):
    message = _error(tmp_path, '[patrol]\narea = "a.geojson"\nalt_m = 30\n')
    assert "[patrol] alt_m: unknown key; did you mean 'alt_rel_m'?" in message


def test_unknown_section_suggests_the_nearest(tmp_path):
    message = _error(tmp_path, '[patrol]\narea = "a.geojson"\n[camra]\n')
    assert "[camra]: unknown section; did you mean 'camera'?" in message


def test_wrong_type(tmp_path):
    assert "[patrol] speed_mps: must be a number, got 'fast'" in _error(
        tmp_path, '[patrol]\narea = "a.geojson"\nspeed_mps = "fast"\n'
    )


def test_out_of_range(tmp_path):
    assert "[patrol] side_overlap: 0.95 is out of range" in _error(
        tmp_path, '[patrol]\narea = "a.geojson"\nside_overlap = 0.95\n'
    )


def test_bad_choice(tmp_path):
    assert "[patrol] pattern: 'zigzag' is not one of 'sweep', 'perimeter', 'points'" in _error(
        tmp_path, '[patrol]\narea = "a.geojson"\npattern = "zigzag"\n'
    )


def test_altitude_above_ceiling(tmp_path):
    message = _error(tmp_path, '[patrol]\narea = "a.geojson"\nalt_rel_m = 120\n')
    assert "[patrol] alt_rel_m: 120 m is above the fence ceiling of 90 m" in message
    assert "raise [fence] ceiling_rel_m" in message


def test_missing_area(tmp_path):
    assert "[patrol] area: missing" in _error(tmp_path, "[patrol]\nalt_rel_m = 30\n")


def test_not_toml(tmp_path):
    assert "not valid TOML" in _error(tmp_path, "[patrol\n")


def test_camera_horizon(tmp_path):
    message = _error(tmp_path, '[patrol]\narea = "a.geojson"\n[camera]\ngimbal_pitch_deg = -5\n')
    assert "[camera]: gimbal_pitch_deg -5 lets the image top see the horizon" in message


def test_the_fence_store_planned_for(tmp_path):
    """The named autopilot's store; none named: one both fit; `[fence] max_items`: the pilot's."""
    from geofence.capacity import ANY_AUTOPILOT, CAPACITY, Autopilot

    base = '[patrol]\narea = "a.geojson"\n'
    assert load_spec(_spec(tmp_path, base)).fence_capacity == ANY_AUTOPILOT
    named = load_spec(_spec(tmp_path, base + 'autopilot = "px4"\n'))
    assert named.fence_capacity == CAPACITY[Autopilot.PX4]
    small = load_spec(
        _spec(tmp_path, base + 'autopilot = "ardupilot"\n[fence]\nmax_items = 38\n')
    ).fence_capacity
    assert (small.max_items, small.storage_bytes) == (38, 304)  # a Copter on an 8 KB board
    message = _error(tmp_path, base + "[fence]\nmax_items = 2\n")
    assert "[fence] max_items: 2 is out of range; use 3 to 65535" in message
