"""Benchmarks: `python -m bench NAME`. Each prints ratios against a baseline measured in the same
run, because the machine is shared and absolute times drift."""
