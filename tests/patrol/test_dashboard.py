"""The dashboard at the sizes pilots' terminals have: every essential figure present in full."""

import io

import pytest
from rich.console import Console

from patrol.dashboard import Dashboard
from patrol.pilot import FlightView


def _view(label: str, name: str, mode: str, mode_name: str) -> FlightView:
    return FlightView(
        label=label,
        mode=mode,
        lat_deg=16.542731,
        lon_deg=104.723554,
        alt_rel_m=118.4,
        ground_speed_mps=12.3,
        battery_pct=100.0,
        time_left_s=125 * 60.0,
        item=123,
        items=1234,
        fence_m=1234.0,
        link_ok=label != "2",
        hits=107,
        name=name,
        mode_name=mode_name,
    )


FLEET = [
    _view("1", "somchai-12ab", "return", "RTL"),
    _view("2", "nok", "takeoff", "AUTO.TAKEOFF"),
    _view("3", "", "mission", "Mission"),
]


def _essentials(view: FlightView) -> list[str]:
    """Each figure a pilot must read, as the dashboard writes it."""
    return [
        " ".join(p for p in (view.label, view.name) if p),
        view.mode,
        "118",
        "12.3",
        "100% 125 min",
        "123/1234",
        "1234",
        "ok" if view.link_ok else "LOST",
        "107",
    ]


def _render(views: list[FlightView], width: int, height: int) -> list[str]:
    dashboard = Dashboard()
    for view in views:
        dashboard.show(view)
    dashboard.station = "station: 3 queued, 104 delivered"
    out = io.StringIO()
    console = Console(file=out, width=width, height=height, color_system=None)
    console.print(dashboard)
    return out.getvalue().splitlines()


@pytest.mark.parametrize(("width", "height"), [(80, 24), (100, 30), (160, 40)])
@pytest.mark.parametrize("count", [1, 3])
def test_every_essential_field_fits_untruncated(width, height, count):
    views = FLEET[:count]
    lines = _render(views, width, height)
    assert len(lines) == 1 + count + 3, "one line each: headings, vehicles, keys, target, station"
    assert len(lines) <= height - 4, "room is left above for the messages"
    assert all(len(line) <= width for line in lines)
    assert not any("…" in line for line in lines), "\n".join(lines)
    header = lines[0]
    for heading in ("vehicle", "mode", "alt m", "m/s", "battery", "item", "fence m", "link"):
        assert heading in header
    for view in views:
        (row,) = [line for line in lines if line.startswith(_essentials(view)[0] + " ")]
        for figure in _essentials(view):
            assert figure in row, f"{figure!r} missing from {row!r} at {width} columns"
    assert any(line.startswith("station: 3 queued") for line in lines)
    assert any("return" in line and "land" in line for line in lines[count + 1 :])


def test_wider_terminals_add_the_autopilots_mode_name_and_the_position():
    narrow = "\n".join(_render(FLEET, 80, 24))
    wide = "\n".join(_render(FLEET, 160, 40))
    assert "RTL" not in narrow
    assert "return (RTL)" in wide
    assert "16.542731, 104.723554" in wide
    assert "mission (" not in wide  # the autopilot's name says nothing more than ours


def test_a_vehicle_with_no_position_yet_shows_dashes_not_nan():
    view = FlightView("", "ready", *(float("nan"),) * 6, 0, 12, float("nan"), True)
    text = "\n".join(_render([view], 80, 24))
    assert "nan" not in text
    assert "0/12" in text
