"""patrol: the drone patrol mission controller, everything that runs. It checks and flies
planned missions (`missions`, `geofence`) over MAVLink through MAVSDK on PX4 or ArduPilot, one
vehicle or several, watches them with its own monitors, the pilot's keys and the dashboard,
detects targets in the vehicles' video (`patrol.vision`), logs each flight, and forwards hits
to the police station (`patrol.station`, the station's server too). It never imports the
simulator (`sim`), which is a peer on the wire; the demo that wires both is `patrol_app`.
"""

__version__ = "0.1.0"
