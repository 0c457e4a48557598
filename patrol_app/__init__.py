"""Composition of the product with the simulator, outside both.

`patrol` (the product) never imports `sim`, and `sim` (a peer on the wire) never imports
`patrol`. What needs both lives here: `patrol demo` (`demo.py`: a station, a simulated vehicle
and its camera, and a patrol flown against them). The `patrol` command finds it, and the
simulator's own `patrol sim`, through the `patrol.commands` entry points in pyproject.toml.
"""
