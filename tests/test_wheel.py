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
        for name in ("roadmaps.md", "example-roadmaps.toml"):  # for `llmcourse help roadmaps`
            assert archive.read(f"llmcourse/docs/{name}") == (ROOT / "docs" / name).read_bytes()
        for name in ("sharepage.html", "sharepage.css"):  # for `export --format html`
            source = ROOT / "src" / "llmcourse" / "templates" / name
            assert archive.read(f"llmcourse/templates/{name}") == source.read_bytes()


def test_the_wheel_names_its_licenses(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode("utf-8")
        assert "License-Expression: Apache-2.0" in text
        licenses = {n.split("/licenses/", 1)[1] for n in names if "/licenses/" in n}
        assert licenses == {"LICENSE", "data/LICENSE-llm-course"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["done", "scientist/1/2"], "1 of 4 topics done"),
        (["help", "roadmaps"], "The example named above, complete: "),
        (["export", "--format", "html"], '<h2 id="title:scientist">The LLM Scientist</h2>'),
    ],
)
def test_the_wheel_runs_without_the_source_tree(
    wheel: Path, tmp_path: Path, args: list[str], says: str
) -> None:
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
        [sys.executable, "-S", "-c", script, str(unpacked), site_packages, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert says.strip() in " ".join(result.stdout.split())  # wrapped where a path is long
    if args[0] == "help":  # the example it names is the one in the package
        example = Path(result.stdout.rstrip().split()[-1])  # the last word, on its own line or not
        assert example.is_relative_to(unpacked) and example.is_file()
