"""What each vehicle flies: from a spec or a .plan, split between vehicles, or resumed.

Every flight log records where its mission came from (source, sortie, sector, loops) and a
digest of the sortie as planned, so that `--resume` can re-plan the next sortie and refuse
when the spec has changed since.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from geofence.build import select_zones
from geofence.errors import PatrolError
from geofence.loaders import load_area
from geofence.words import plural
from missions import VehicleModel, check_mission, load_spec, read_plan
from missions.camera import Camera
from missions.mission import Mission
from missions.planner import Plan, plan
from missions.qgc import plan_document
from patrol.errors import OptionError
from patrol.operation import Assignment
from patrol.resume import ResumeError, Stopped, remaining

#: The reserve kept for a .plan, which carries no vehicle model.
DEFAULT_RESERVE_PCT = 25.0


def digest(mission: Mission) -> str:
    text = json.dumps(plan_document(mission), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _planned(source: Path, sector: int, of: int, loops: int | None) -> Plan:
    spec = load_spec(source)
    if loops is not None:
        spec = replace(spec, loops=loops)
    return plan(spec, load_area(spec.area_path), sector=sector, of=of)


def from_source(
    source: Path,
    urls: tuple[str, ...],
    sortie: int,
    loops: int | None,
    *,
    ceiling_rel_m: float | None = None,
) -> list[Assignment]:
    """One assignment per vehicle: a .plan flies as it is (one vehicle), held to `ceiling_rel_m`
    (--ceiling) or its own; a spec is planned, split into one sector per vehicle when there are
    several."""
    if source.suffix.lower() == ".plan":
        if len(urls) > 1:
            raise OptionError(
                "a .plan is one vehicle's mission; give a spec to fly several", option="--vehicle"
            )
        if loops is not None:
            raise OptionError(
                "--loops needs a patrol spec (.toml): a .plan flies as it is", option="--loops"
            )
        plan_file = read_plan(source, ceiling_rel_m=ceiling_rel_m)
        mission = plan_file.mission
        check_mission(mission)
        meta = {
            "source": str(source.resolve()),
            "sortie": 1,
            "sorties": 1,
            "digest": digest(mission),
            "ceiling": plan_file.ceiling.short(),
        }
        model = VehicleModel(reserve_pct=DEFAULT_RESERVE_PCT)
        return [Assignment(urls[0], mission, None, model, mission.fence.margin_m, meta)]
    if ceiling_rel_m is not None:
        raise OptionError(
            "--ceiling is for a .plan; a spec sets its ceiling in [fence] ceiling_rel_m",
            option="--ceiling",
        )
    out = []
    for k, url in enumerate(urls):
        planned = _planned(source, k, len(urls), loops)
        if sortie > (count := len(planned.missions)):
            raise OptionError(
                f"--sortie {sortie}: the patrol has {plural(count, 'sortie')}; give --sortie "
                + (f"1 to {count}" if count > 1 else "1, or leave it out"),
                option="--sortie",
            )
        out.append(_assignment(planned, url, source, sortie, k, len(urls), loops))
    return out


def _assignment(
    planned: Plan, url: str, source: Path, sortie: int, sector: int, of: int, loops: int | None
) -> Assignment:
    mission = planned.missions[sortie - 1]
    vehicle = planned.spec.vehicle
    meta = {
        "source": str(source.resolve()),
        "sortie": sortie,
        "sorties": len(planned.missions),
        "sector": sector,
        "sectors": of,
        "loops": loops if loops is not None else planned.spec.loops,
        "digest": digest(mission),
    }
    needed_pct = planned.sorties[sortie - 1].cost.energy_wh / vehicle.battery_wh * 100
    label = str(sector + 1) if of > 1 else ""
    return Assignment(
        url,
        mission,
        needed_pct,
        vehicle,
        planned.spec.margin_m,
        meta,
        label,
        planned.spec.camera,
        select_zones(planned.area, planned.spec.zones),
    )


def resumed(stopped: Stopped, url: str) -> Assignment:
    """What is left of a stopped flight: the rest of its mission, or the patrol's next sortie."""
    meta: dict[str, object] = dict(stopped.provenance)
    source = Path(stopped.source)
    spec_source = source.suffix.lower() == ".toml"
    sector, of = int(str(meta.get("sector", 0))), int(str(meta.get("sectors", 1)))
    label = str(sector + 1) if of > 1 else ""
    if not stopped.finished:
        mission = remaining(stopped.mission, stopped.next_item, stopped.left_at)
        spec = load_spec(source) if spec_source else None
        return Assignment(
            url,
            mission,
            None,
            spec.vehicle if spec else VehicleModel(),
            spec.margin_m if spec else mission.fence.margin_m,
            meta | {"resumed_from": stopped.flight_id, "resumed_at_item": stopped.next_item},
            label,
            spec.camera if spec else Camera(),
            name=stopped.vehicle_name,
        )
    if stopped.sortie >= stopped.sorties:
        raise ResumeError(
            f"--resume {stopped.flight_id}: that flight flew the patrol's last sortie "
            f"({stopped.sortie} of {stopped.sorties}) to its end; nothing is left"
        )
    if not spec_source:
        raise ResumeError(f"--resume {stopped.flight_id}: its source {source} is not a spec")
    loops = int(str(meta["loops"])) if "loops" in meta else None
    try:
        planned = _planned(source, sector, of, loops)
    except PatrolError as exc:
        raise ResumeError(f"--resume {stopped.flight_id}: {exc}") from exc
    if digest(planned.missions[stopped.sortie - 1]) != meta.get("digest"):
        raise ResumeError(
            f"--resume {stopped.flight_id}: {source} plans differently since that flight; "
            f"fly the next sortie afresh with --sortie {stopped.sortie + 1}"
        )
    nxt = _assignment(planned, url, source, stopped.sortie + 1, sector, of, loops)
    meta = nxt.meta | {"resumed_from": stopped.flight_id}
    return replace(nxt, label=label, meta=meta, name=stopped.vehicle_name)
