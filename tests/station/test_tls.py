"""A station whose TLS certificate the controller does not trust: `patrol fly` and `patrol
station push` say so in one line naming the station, the certificate's problem and
--station-ca, before anything is sent. A real HTTPS station on loopback with a self-signed
certificate made here, and real `patrol` processes."""

import os
import sys

import anyio
import pytest

from tests.conftest import EXAMPLES
from tests.sim.client import make_ports
from tests.station.helpers import VEHICLE_TOKEN, self_signed, station

pytestmark = pytest.mark.anyio


async def _patrol(*args):
    env = os.environ | {"PATROL_STATION_TOKEN": VEHICLE_TOKEN}
    done = await anyio.run_process([sys.executable, "-m", "patrol", *args], env=env, check=False)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def _one_line(err, url):
    assert err.count("\n") == 1, err
    assert err.startswith("patrol: error: ")
    assert f"station {url}: its TLS certificate is not trusted (self-signed certificate)" in err
    assert "give the station's own CA certificate (PEM) with --station-ca FILE" in err
    assert "SSLCertVerificationError" not in err


async def test_push_without_the_stations_ca_is_bad_input_in_one_line(tmp_path):
    cert, key = self_signed(tmp_path)
    async with station(tmp_path / "st", cert=cert, key=key) as st:
        args = ("station", "push", "--station", st.url, "--data-dir", str(tmp_path / "logs"))
        code, out, err = await _patrol(*args)
        assert (code, out) == (2, "")  # an option to mend: no retry would deliver anything
        _one_line(err, st.url)
        code, out, err = await _patrol(*args, "--station-ca", str(cert))  # it is its own CA
        assert (code, err) == (0, ""), out + err
        assert "0 records owed in all" in out


async def test_fly_without_the_stations_ca_is_refused_before_any_vehicle(tmp_path):
    cert, key = self_signed(tmp_path)
    silent = f"udpin://127.0.0.1:{make_ports().api_remote_base}"  # never reached
    async with station(tmp_path / "st", cert=cert, key=key) as st:
        code, _out, err = await _patrol(
            "fly",
            str(EXAMPLES / "hotspots.toml"),
            "--vehicle",
            silent,
            "--station",
            st.url,
            "--data-dir",
            str(tmp_path / "logs"),
        )
    assert code == 3  # a start-up check refused: nothing armed
    _one_line(err, st.url)
    assert err.startswith("patrol: error: --station-ca: ")
    assert err.rstrip().endswith("nothing was armed")
