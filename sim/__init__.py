"""A simulated multicopter that speaks MAVLink over UDP as PX4 SITL does: a real peer for MAVSDK,
MAVProxy and QGroundControl, with ground truth for tests. Sans-IO inside (physics, autopilot,
mission protocol, codec), sockets and the clock in `sim.server`."""
