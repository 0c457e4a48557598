"""The `patrol` a printed command names is the one running, as a shell in the working
directory reaches it: `.venv/bin/patrol`, not a bare `patrol` a shell outside the venv lacks."""

import os
import sys
from pathlib import Path

import pytest

from patrol.shell import command_line, patrol_command


def _script(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def venv(tmp_path):
    """A repository with a venv: its python (a name only) and its patrol script."""
    _script(tmp_path / "repo" / ".venv" / "bin" / "patrol")
    return tmp_path / "repo"


def test_the_running_script_relative_to_the_directory_it_ran_from(venv):
    assert patrol_command(".venv/bin/patrol", ".venv/bin/python", venv) == ".venv/bin/patrol"
    absolute = str(venv / ".venv" / "bin" / "patrol")
    assert patrol_command(absolute, "/usr/bin/python3", venv) == ".venv/bin/patrol"


def test_a_script_outside_the_directory_by_its_absolute_path(venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = venv / ".venv" / "bin" / "patrol"
    assert patrol_command(str(script), "/usr/bin/python3", elsewhere) == str(script)


def test_python_m_patrol_names_the_script_beside_its_python(venv):
    main = str(venv / "patrol" / "__main__.py")
    assert patrol_command(main, ".venv/bin/python", venv) == ".venv/bin/patrol"


def test_without_a_script_it_is_python_m_patrol(tmp_path):
    python = tmp_path / "py env" / "bin" / "python"
    said = patrol_command("-c", str(python), tmp_path)
    assert said == "'py env/bin/python' -m patrol"  # quoted for the shell


def test_a_script_in_the_directory_itself_is_not_looked_up_on_the_path(tmp_path):
    _script(tmp_path / "patrol")
    assert patrol_command("patrol", "/usr/bin/python3", tmp_path) == "./patrol"


def test_arguments_are_quoted():
    line = command_line(".venv/bin/patrol", "logs", "--data-dir", Path("my out/flights"))
    assert line == ".venv/bin/patrol logs --data-dir 'my out/flights'"


def test_in_this_checkout_it_is_the_venvs_patrol():
    script = Path(sys.executable).parent / "patrol"
    if not script.is_file():
        pytest.skip("no patrol script beside this python")
    said = patrol_command("pytest", sys.executable, Path.cwd())
    assert os.path.samefile(Path.cwd() / said, script)  # an absolute said stays itself
