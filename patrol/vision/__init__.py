"""Onboard detection: frames in, geo-referenced and merged target hits out.

sources (OpenCV capture, latest frame wins) -> detectors (thermal, onnx, motion) -> georef
(pixel ray meets the ground, from the pose at capture time) -> tracker (sightings become hits,
outside the zones dropped) -> the flight log and the dashboard.
"""
