"""Files restored, copied, linked, damaged or deleted by hand: nothing is lost or misread."""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, installed
from llmcourse import store

Invoke = Callable[..., Run]

TOKENIZATION = "scientist/architecture/tokenization"


def _history_bytes(folder: Path) -> bytes:
    """Every history line kept anywhere in the folder, in one sorted lump."""
    lines: list[bytes] = []
    for path in folder.glob("history*.jsonl"):
        lines.extend(path.read_bytes().splitlines())
    return b"\n".join(sorted(lines))


def _statuses(path: Path) -> dict[str, str]:
    entries = tomllib.loads(path.read_text("utf-8"))["entries"]
    return {key: value["status"] for key, value in entries.items()}


@pytest.mark.usefixtures("piped")
def test_a_progress_file_copied_without_its_history(
    run: Invoke, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-machine"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(other))
    run("done", "tokenization")
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(data_dir))
    run("done", "scientist/2")
    run("done", "scientist/3")
    ours = (data_dir / "history.jsonl").read_bytes()
    shutil.copy(other / "progress.toml", data_dir / "progress.toml")

    undo = run("undo")
    assert undo.exit_code == 1
    assert "does not match the progress file" in undo.stderr
    assert undo.stderr.count("\n") == 1
    assert "history-mismatch" in [f["code"] for f in run("doctor", "--json").json()["findings"]]
    log = run("log")
    assert "does not match the progress file" in log.stderr

    done = run("done", "attention-mechanisms")
    assert done.exit_code == 0
    assert "were kept in" in done.stderr
    [kept] = data_dir.glob("history.set-aside-*.jsonl")
    assert kept.read_bytes() == ours  # kept whole, not cut
    events = run("log", "--json").json()["events"]
    assert [(e["rev"], e["id"]) for e in events] == [
        (2, "scientist/architecture/attention-mechanisms")
    ]
    assert run("doctor").exit_code == 0


def test_restoring_an_older_file_keeps_the_later_history(run: Invoke, data_dir: Path) -> None:
    progress = data_dir / "progress.toml"
    data_dir.mkdir(parents=True)
    progress.write_text('schema_version = 1\ncourse = "llm-course"\n', encoding="utf-8")
    run("done", "scientist/2")
    run("done", "scientist/3")
    before = _history_bytes(data_dir)
    shutil.copy(data_dir / "progress.v1.toml", progress)  # the learner restores the original
    report = run("doctor", "--json").json()
    assert report["healthy"] is True
    assert "unrecorded-events" in [f["code"] for f in report["findings"]]
    run("done", "scientist/4")
    after = _history_bytes(data_dir)
    assert set(before.split(b"\n")) <= set(after.split(b"\n"))  # not a line lost
    assert [e["rev"] for e in run("log", "--json").json()["events"]] == [1, 1, 1, 1]


def test_set_aside_never_replaces_a_file_set_aside_before(tmp_path: Path) -> None:
    kept: list[Path] = []
    for content in (b"first", b"second", b"third"):
        path = tmp_path / "history.jsonl"
        path.write_bytes(content)
        kept.append(store.set_aside(path, label="set-aside"))
    assert len(set(kept)) == 3
    assert [p.read_bytes() for p in kept] == [b"first", b"second", b"third"]


def test_a_history_set_aside_twice_in_a_second_keeps_both(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    (data_dir / "progress.toml").unlink()
    (data_dir / "progress.toml.bak").unlink()
    run("done", "scientist/2")
    (data_dir / "progress.toml").unlink()
    (data_dir / "progress.toml.bak").unlink(missing_ok=True)
    run("done", "scientist/3")
    everything = _history_bytes(data_dir)
    for topic in (b"tokenization", b"attention-mechanisms", b"pre-training", b"post-training"):
        assert topic in everything


def test_doctor_fix_keeps_a_linked_progress_file_linked(
    run: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    synced = tmp_path / "synced" / "progress.toml"
    synced.parent.mkdir()
    synced.write_text('schema_version = 2\ncourse = "llm-course"\n', encoding="utf-8")
    data_dir.mkdir(parents=True)
    (data_dir / "progress.toml").symlink_to(synced)
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    bad = synced.read_bytes() + b"x = [\n"
    synced.write_bytes(bad)
    result = run("doctor", "--fix")
    assert result.exit_code == 0, result.stdout
    assert (data_dir / "progress.toml").is_symlink()
    assert _statuses(synced) == {TOKENIZATION: "done"}
    assert [p.read_bytes() for p in synced.parent.glob("progress.broken-*.toml")] == [bad]
    run("done", "scientist/1/4")
    assert "scientist/architecture/sampling-techniques" in _statuses(synced)


@pytest.mark.usefixtures("piped")
def test_a_missing_progress_file_with_a_backup_is_not_a_fresh_start(
    run: Invoke, data_dir: Path
) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    backup = (data_dir / "progress.toml.bak").read_bytes()
    (data_dir / "progress.toml").unlink()
    shown = run("progress")
    assert "its backup does" in shown.stderr
    report = run("doctor", "--json")
    assert report.exit_code == 1
    assert "missing-progress" in [f["code"] for f in report.json()["findings"]]
    # Changes made anyway never overwrite that backup: it is kept under another name.
    run("done", "engineer/1/1")
    run("done", "engineer/1/2")
    run("done", "engineer/1/3")
    kept = [p.read_bytes() for p in data_dir.glob("progress.toml.earlier-*.bak")]
    assert kept == [backup]


def test_doctor_fix_restores_a_missing_progress_file_from_its_backup(
    run: Invoke, data_dir: Path
) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    (data_dir / "progress.toml").unlink()
    fixed = run("doctor", "--fix")
    assert fixed.exit_code == 0, fixed.stdout
    assert "restored the backup" in fixed.stdout
    assert _statuses(data_dir / "progress.toml") == {TOKENIZATION: "done"}


def _vouch_for_all(data_dir: Path) -> None:
    """Make the progress file vouch for every byte of the history, as if written so."""
    size = (data_dir / "history.jsonl").stat().st_size
    progress = data_dir / "progress.toml"
    lines = progress.read_text("utf-8").splitlines()
    progress.write_text(
        "\n".join(f"history_size = {size}" if x.startswith("history_size") else x for x in lines),
        encoding="utf-8",
    )


def test_hostile_statuses_in_the_history_never_reach_the_terminal(
    run: Invoke, data_dir: Path
) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    event = json.loads(history.read_text("utf-8"))
    event["old"] = "\x1b[2J\x1b[31mnot-started"
    with history.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(event) + "\n")
    _vouch_for_all(data_dir)
    for args in (("log",), ("doctor",), ("undo",)):
        result = run(*args)
        assert "\x1b" not in result.stdout + result.stderr, args
    findings = run("doctor", "--json").json()["findings"]
    assert ("bad-history-line", 2) in [(f["code"], f["line"]) for f in findings]


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize(
    "args",
    [
        ("--since", "9999999999d"),
        ("--until", "9999-12-31"),
        ("--since", "0001-01-01"),
        ("--since", "2026-13-01"),
    ],
)
def test_dates_out_of_range_are_usage_errors(run: Invoke, args: tuple[str, str]) -> None:
    result = run("log", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {args[0]} '{args[1]}' is not a date")
    assert result.stderr.count("\n") == 1


@pytest.mark.usefixtures("piped")
def test_deeply_nested_files_are_reported_not_raised(run: Invoke, data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    progress = data_dir / "progress.toml"
    nested = b"schema_version = 2\nx = " + b"[" * 100_000 + b"\n"
    progress.write_bytes(nested)
    shown = run("progress")
    assert shown.exit_code == 1
    assert "nested too deeply" in shown.stderr
    report = run("doctor")
    assert report.exit_code == 1
    assert "nested too deeply" in report.stdout
    assert progress.read_bytes() == nested


def test_a_deeply_nested_history_line_is_reported(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    with (data_dir / "history.jsonl").open("a") as history:
        history.write("[" * 200_000 + "\n")
    _vouch_for_all(data_dir)
    assert run("log").exit_code == 0
    findings = run("doctor", "--json").json()["findings"]
    assert any("nested too deeply" in f["message"] for f in findings)


@pytest.mark.usefixtures("piped")
def test_a_history_that_cannot_be_read_is_one_line(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    history.unlink()
    history.mkdir()
    for args in (("log",), ("undo",)):
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: cannot read history file")
        assert result.stderr.count("\n") == 1
    report = run("doctor", "--json")
    assert report.exit_code == 1
    assert "unreadable-history" in [f["code"] for f in report.json()["findings"]]


@pytest.mark.usefixtures("piped")
def test_a_half_written_event_is_cut_back(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    before = history.read_bytes()
    progress = (data_dir / "progress.toml").read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        if os.fstat(fd).st_size >= len(before) and len(data) > 10:
            written = real_write(fd, bytes(data)[:10])
            monkeypatch.setattr(os, "write", full_disk)
            return written
        return real_write(fd, data)

    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    result = run("done", "scientist/2")
    monkeypatch.setattr(os, "write", real_write)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert history.read_bytes() == before
    assert (data_dir / "progress.toml").read_bytes() == progress


def test_an_unwritable_folder_leaves_the_history_alone(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    run("done", "tokenization")
    history = (data_dir / "history.jsonl").read_bytes()

    def read_only(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = run("done", "scientist/2")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write in the data folder")
    assert (data_dir / "history.jsonl").read_bytes() == history


def test_an_ascii_terminal_gets_ascii_not_a_traceback(data_dir: Path) -> None:
    import subprocess

    env = os.environ | {"PYTHONIOENCODING": "ascii"}
    for args in (["done", "scientist/2"], ["log"], ["progress"], ["undo"], ["list", "-t"]):
        result = subprocess.run([installed(), *args], env=env, capture_output=True)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr == b"", args
        result.stdout.decode("ascii")
    done = subprocess.run([installed(), "done", "tokenization"], env=env, capture_output=True)
    assert done.stdout.startswith(b"x done    scientist/architecture/tokenization")
    assert b"1 of 4 topics done - 0 of 5 references read" in done.stdout


def test_a_closed_stdout_does_not_undo_a_saved_change(data_dir: Path) -> None:
    import subprocess

    result = subprocess.run(
        [installed(), "done", "tokenization"], stdout=subprocess.DEVNULL, capture_output=False
    )
    assert result.returncode == 0
    closed = subprocess.run(
        f"'{installed()}' done attention-mechanisms >&-", shell=True, stderr=subprocess.PIPE
    )
    assert closed.stderr.endswith(b"; your change was recorded\n")
    assert closed.returncode == 3
    assert (
        _statuses(data_dir / "progress.toml")["scientist/architecture/attention-mechanisms"]
        == "done"
    )


@pytest.mark.usefixtures("piped")
def test_a_huge_history_size_is_reported_not_raised(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    progress = data_dir / "progress.toml"
    lines = progress.read_text("utf-8").splitlines()
    progress.write_text(
        "\n".join(
            "history_size = 1000000000000000" if x.startswith("history_size") else x for x in lines
        ),
        encoding="utf-8",
    )
    assert run("log").exit_code == 0
    undo = run("undo")
    assert undo.exit_code == 1 and undo.stderr.count("\n") == 1
    codes = [f["code"] for f in run("doctor", "--json").json()["findings"]]
    assert "history-cut-short" in codes


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z"])
def test_times_at_the_edge_of_the_calendar_are_bad_fields(
    run: Invoke, data_dir: Path, when: str
) -> None:
    data_dir.mkdir(parents=True)
    content = (
        f'schema_version = 2\n[entries."scientist/architecture/nanogpt"]\n'
        f'status = "done"\nchanged = {when}\n'
    )
    (data_dir / "progress.toml").write_text(content, encoding="utf-8")
    shown = run("show", "nanogpt")
    assert shown.exit_code == 1
    assert "changed: is too near the first or last day" in shown.stderr
    assert run("doctor").exit_code == 1


def test_a_history_time_at_the_edge_of_the_calendar_is_a_bad_line(
    run: Invoke, data_dir: Path
) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    event = json.loads(history.read_text("utf-8"))
    event["time"] = "0001-01-01T00:00:00+00:00"
    history.write_text(json.dumps(event) + "\n", encoding="utf-8")
    _vouch_for_all(data_dir)
    findings = run("doctor", "--json").json()["findings"]
    assert ("bad-history-line", 1) in [(f["code"], f["line"]) for f in findings]
    assert run("log").exit_code == 0


def test_doctor_notes_a_history_whose_progress_file_is_gone(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    (data_dir / "progress.toml").unlink()
    (data_dir / "progress.toml.bak").unlink()
    codes = [f["code"] for f in run("doctor", "--json").json()["findings"]]
    assert "history-without-progress" in codes
    run("done", "scientist/1/4")
    assert len(list(data_dir.glob("history.set-aside-*.jsonl"))) == 1
