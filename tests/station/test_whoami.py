"""Whose token is it: the station's GET /api/v1/whoami, and the controller's check before it
flies (a vehicle's token passes, any other is refused, a station out of reach lets it fly)."""

import aiohttp
import pytest
import trustme

from patrol.errors import RefusedError
from patrol.station.openapi import openapi_document
from patrol.station.sender import StationLink, check_vehicle_token
from sim.ports import free_tcp_port
from tests.station.helpers import STAFF_TOKEN, VEHICLE_TOKEN, auth, station

pytestmark = pytest.mark.anyio


async def test_whoami_names_the_role_and_holder_of_either_token(tmp_path):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        async with http.get("/api/v1/whoami", headers=auth(VEHICLE_TOKEN)) as r:
            assert (r.status, await r.json()) == (200, {"role": "vehicle", "name": "drone-1"})
        async with http.get("/api/v1/whoami", headers=auth(STAFF_TOKEN)) as r:
            assert (r.status, await r.json()) == (200, {"role": "staff", "name": "desk"})
        async with http.get("/api/v1/whoami") as r:
            assert r.status == 401
        async with http.get("/api/v1/whoami", headers=auth("y" * 24)) as r:
            assert r.status == 401
            assert (await r.json())["error"] == "unknown token"
    described = openapi_document()["paths"]["/api/v1/whoami"]["get"]
    assert described["security"] == [{"vehicle": []}, {"staff": []}]
    assert set(described["responses"]) == {"200", "401"}


async def test_a_vehicles_token_passes_and_any_other_is_refused(tmp_path):
    async with station(tmp_path) as st:
        said = await check_vehicle_token(StationLink(st.url, VEHICLE_TOKEN))
        assert said == f"station {st.url}: token of vehicle drone-1 accepted"
        with pytest.raises(RefusedError, match="a staff token, which cannot post hits") as staff:
            await check_vehicle_token(StationLink(st.url, STAFF_TOKEN))
        assert staff.value.option.startswith("--station-token-file")
        with pytest.raises(RefusedError, match="does not know this token"):
            await check_vehicle_token(StationLink(st.url, "z" * 24))


async def test_a_station_out_of_reach_lets_the_flight_go_and_says_the_outbox_holds_hits():
    link = StationLink(f"http://127.0.0.1:{free_tcp_port()}", VEHICLE_TOKEN)
    said = await check_vehicle_token(link, timeout_s=5.0)
    assert said.startswith(f"station {link.url} cannot be asked now")
    assert "hits stay queued in the outbox" in said
    assert "\n" not in said


async def test_a_certificate_the_controller_does_not_trust_is_refused(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    async with station(tmp_path / "st", cert=tmp_path / "cert.pem", key=tmp_path / "key.pem") as st:
        with pytest.raises(
            RefusedError, match=r"--station-ca: station https:.*its TLS certificate is not trusted"
        ) as caught:
            await check_vehicle_token(StationLink(st.url, VEHICLE_TOKEN))
    assert caught.value.option == "--station-ca"
