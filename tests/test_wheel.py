"""A wheel built from the checkout carries the course and runs with no source tree around."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("llmcourse-*.whl")
    return built


def test_the_wheel_carries_the_course(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "llmcourse/data/roadmaps.toml" in names
        assert "llmcourse/data/LICENSE-llm-course" in names
        assert (
            archive.read("llmcourse/data/roadmaps.toml")
            == (ROOT / "data/roadmaps.toml").read_bytes()
        )


def test_the_wheel_runs_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    # -S skips site-packages and its editable-install hook, so the only llmcourse Python
    # can import is the unpacked wheel; the dependencies come from site-packages itself.
    site_packages = sysconfig.get_paths()["purelib"]
    script = (
        "import sys; sys.path[:0] = [sys.argv.pop(1), sys.argv.pop(1)]; "
        "import llmcourse; assert llmcourse.__file__.startswith(sys.path[0]), llmcourse.__file__; "
        "from llmcourse.cli import main; sys.argv[0] = 'llmcourse'; main()"
    )
    env = {**os.environ, "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, "-S", "-c", script, str(unpacked), site_packages, "done", "scientist/1/2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "1 of 4 topics done" in result.stdout
