"""A small process that starts the timed commands, so that their peak memory is their own.

On Linux a child's `ru_maxrss` counts the memory of the process that started it, as it was
when the child was forked (the kernel carries the old image's peak over to the new one at
exec). Started by the benchmark, which holds fixtures of many megabytes, every command would
report at least the benchmark's size. This process stays small: the benchmark sends it one
JSON request per line on stdin, {"argv": [...], "env": {...}, "stderr": PATH}; it starts the
command with stdin and stdout on /dev/null and stderr into PATH, waits for it with `os.wait4`,
and answers one JSON line: wall seconds (time.perf_counter from just before the start to the
reaping), the exit code, peak RSS in bytes and CPU seconds of that one process. The request
{"self": true} answers with this process's own peak RSS (from /proc, where there is one): the
least any command it starts can report.
"""

import json
import os
import sys
import time


def serve() -> None:
    kib = 1 if sys.platform == "darwin" else 1024  # macOS counts ru_maxrss in bytes
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("self"):
            sys.stdout.write(json.dumps({"peak_rss_bytes": own_peak_rss()}) + "\n")
            sys.stdout.flush()
            continue
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (
                os.POSIX_SPAWN_OPEN,
                2,
                request["stderr"],
                os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                0o600,
            ),
        ]
        start = time.perf_counter()
        try:
            pid = os.posix_spawn(
                request["argv"][0], request["argv"], request["env"], file_actions=actions
            )
        except OSError as err:
            with open(request["stderr"], "w", encoding="utf-8") as errors:
                errors.write(f"cannot start {request['argv'][0]}: {err}\n")
            answer = {"seconds": 0.0, "exit": 127, "peak_rss_bytes": None, "cpu_seconds": None}
        else:
            _, status, usage = os.wait4(pid, 0)
            seconds = time.perf_counter() - start
            answer = {
                "seconds": seconds,
                "exit": os.waitstatus_to_exitcode(status),
                "peak_rss_bytes": usage.ru_maxrss * kib,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            }
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def own_peak_rss() -> int | None:
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


if __name__ == "__main__":
    serve()
