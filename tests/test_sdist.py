"""The source distribution carries what its own tests need, and the licenses."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What the tests read besides themselves: the package, the data, the docs they check, and the
# README whose examples they replay.
FOLDERS = ("src", "data", "docs", "tests")
FILES = ("README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml")
NOT_SHIPPED = ("__pycache__", ".pyc", ".hypothesis", ".pytest_cache", ".mypy_cache")


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> tarfile.TarFile:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("llmcourse-*.tar.gz")
    return tarfile.open(built)


def _members(archive: tarfile.TarFile) -> set[str]:
    return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}


def test_the_sdist_carries_what_its_tests_need(sdist: tarfile.TarFile) -> None:
    shipped = _members(sdist)
    needed = set(FILES)
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and not any(part in relative for part in NOT_SHIPPED):
                needed.add(relative)
    assert needed - shipped == set()


def test_the_sdist_names_its_licenses(sdist: tarfile.TarFile) -> None:
    (info,) = [m for m in sdist.getmembers() if m.name.endswith("/PKG-INFO")]
    handle = sdist.extractfile(info)
    assert handle is not None
    metadata = handle.read().decode("utf-8")
    assert "License-Expression: Apache-2.0" in metadata
    assert "License-File: LICENSE" in metadata
    assert "License-File: data/LICENSE-llm-course" in metadata
