"""`check-links`: every address of a course gets one verdict, checked against servers on this
machine only (a threaded HTTP server, a TLS one with a certificate no client trusts, a port
that refuses), never the internet."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import Run, installed
from llmcourse import linkcheck
from llmcourse.catalog import load_bundled
from test_json_shapes import _check

Invoke = Callable[..., Run]

SLOW = 5.0  # seconds the slow page takes, far past the timeout the tests give (`TIMEOUT`)
TIMEOUT = "1"


class Site:
    """A local web site with a page for each case, and what it was asked."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.asked: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        self._lock = threading.Lock()
        self._busy_answered = 0
        self.at_once = 0  # requests being answered now on /crowded, and the most there were
        self.most_at_once = 0
        for path, handler in {
            "/fine": self.fine,
            "/old": self.redirect("/fine", 301),
            "/gone": self.status(404),
            "/loop-a": self.redirect("/loop-b", 302),
            "/loop-b": self.redirect("/loop-a", 302),
            "/slow": self.slow,
            "/no-head": self.no_head,
            "/busy": self.busy,
            "/patience": self.patience,
            "/challenge": self.challenge,
            "/elsewhere": self.redirect("javascript:alert(1)", 302),
            "/strange": self.redirect("/fine?\u202etxt.exe", 302),
            "/crowded": self.crowded,
        }.items():
            server.expect_request(path).respond_with_handler(self.logged(handler))
        for hop in range(1, 15):
            server.expect_request(f"/hop/{hop}").respond_with_handler(
                self.logged(self.redirect(f"/hop/{hop + 1}", 302))
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def requests(self, path: str) -> list[tuple[str, dict[str, str]]]:
        return [(method, headers) for method, asked, headers in self.asked if asked == path]

    def logged(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            with self._lock:
                self.asked.append((request.method, request.path, dict(request.headers)))
            return handler(request)

        return answer

    @staticmethod
    def fine(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response("fine", headers={"ETag": '"v1"'})

    @staticmethod
    def redirect(to: str, status: int) -> Callable[[Request], Response]:
        return lambda request: Response(status=status, headers={"Location": to})

    @staticmethod
    def status(code: int) -> Callable[[Request], Response]:
        return lambda request: Response(status=code)

    @staticmethod
    def slow(request: Request) -> Response:
        time.sleep(SLOW)
        return Response("late")

    @staticmethod
    def no_head(request: Request) -> Response:
        return Response(status=405) if request.method == "HEAD" else Response("got it")

    def busy(self, request: Request) -> Response:
        with self._lock:
            self._busy_answered += 1
            first = self._busy_answered == 1
        if first:
            return Response(status=429, headers={"Retry-After": "1"})
        return Response("ready now")

    def crowded(self, request: Request) -> Response:
        with self._lock:
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        time.sleep(0.3)  # long enough for the requests asked side by side to overlap here
        with self._lock:
            self.at_once -= 1
        return Response("crowded")

    @staticmethod
    def patience(request: Request) -> Response:
        return Response(status=429, headers={"Retry-After": "3600"})

    @staticmethod
    def challenge(request: Request) -> Response:
        return Response(status=403, headers={"cf-mitigated": "challenge"})


@pytest.fixture
def site() -> Iterator[Site]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield Site(server)
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def tls_url() -> Iterator[str]:
    """A TLS server whose certificate comes from an authority that no client trusts."""
    import ssl

    import trustme

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.expect_request("/").respond_with_data("secret")
    server.start()
    try:
        yield f"https://127.0.0.1:{server.port}/"
    finally:
        server.stop()


@pytest.fixture
def refused_url() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Waits before retries a thousandth as long (the check waits all the same), no proxy
    between the tests and their own servers, and a cache folder of the test's own."""
    monkeypatch.setattr(linkcheck, "SETTINGS", replace(linkcheck.SETTINGS, wait_scale=0.001))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(tmp_path / "cache"))


def roadmap_file(folder: Path, links: list[str], reference: str | None = None) -> Path:
    """A small course whose topics link to `links`, one topic each."""
    lines = [
        "schema_version = 1",
        "[course]",
        'id = "linked"',
        'title = "Linked"',
        "[[roadmaps]]",
        'id = "one"',
        'title = "One"',
        "[[roadmaps.sections]]",
        'id = "basics"',
        "number = 1",
        'title = "Basics"',
    ]
    for number, url in enumerate(links, start=1):
        lines += [
            "[[roadmaps.sections.topics]]",
            f'id = "topic-{number}"',
            f'title = "Topic {number}"',
            f"links = [{{text = 'page', url = {json.dumps(url)}}}]",
        ]
    if not links:
        lines += ["[[roadmaps.sections.topics]]", 'id = "alone"', 'title = "Alone"']
    if reference is not None:
        lines += [
            "[[roadmaps.sections.references]]",
            'id = "book"',
            'title = "A book"',
            f"url = {json.dumps(reference)}",
        ]
    path = folder / "linked.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _checked(run: Invoke, path: Path, *more: str) -> tuple[int, dict[str, Any]]:
    result = run("check-links", "--roadmaps", str(path), "--timeout", TIMEOUT, "--json", *more)
    document = result.json()
    _check("check-links", document)
    return result.exit_code, {link["url"]: link for link in document["links"]}


def test_each_address_gets_one_verdict(
    run: Invoke, tmp_path: Path, site: Site, tls_url: str, refused_url: str
) -> None:
    pages = ["/fine", "/old", "/gone", "/loop-a", "/slow", "/no-head", "/busy"]
    path = roadmap_file(tmp_path, [site.url(p) for p in pages] + [refused_url, tls_url])
    code, links = _checked(run, path)
    assert code == 1
    verdicts = {url: (link["verdict"], link["reason"]) for url, link in links.items()}
    assert verdicts[site.url("/fine")] == ("ok", "200 OK")
    assert verdicts[site.url("/old")] == ("redirected", "200 OK")
    assert links[site.url("/old")]["final_url"] == site.url("/fine")
    assert links[site.url("/old")]["redirects"] == [{"status": 301, "url": site.url("/fine")}]
    assert verdicts[site.url("/gone")] == ("broken", "404 Not Found")
    assert verdicts[site.url("/loop-a")] == ("broken", "redirect loop")
    assert verdicts[site.url("/slow")] == ("unreachable", f"timed out after {TIMEOUT} s")
    assert verdicts[site.url("/no-head")] == ("ok", "200 OK")
    assert [method for method, _ in site.requests("/no-head")] == ["HEAD", "GET"]
    assert verdicts[site.url("/busy")] == ("ok", "200 OK")
    assert links[site.url("/busy")]["retries"] == 1
    assert len(site.requests("/busy")) == 2
    assert verdicts[refused_url] == ("unreachable", "connection refused")
    verdict, reason = verdicts[tls_url]
    assert verdict == "unreachable"
    assert reason.startswith("TLS: "), reason
    assert all(link["used_by"][0]["kind"] == "link" for link in links.values())


def test_a_course_whose_links_all_answer_passes(run: Invoke, tmp_path: Path, site: Site) -> None:
    path = roadmap_file(tmp_path, [site.url("/fine"), site.url("/old")])
    code, links = _checked(run, path)
    assert code == 0
    assert {link["verdict"] for link in links.values()} == {"ok", "redirected"}


def test_the_table_puts_what_fails_first_and_sums_up(
    run: Invoke, tmp_path: Path, site: Site, piped: None
) -> None:
    path = roadmap_file(tmp_path, [site.url("/fine"), site.url("/gone"), site.url("/old")])
    result = run("check-links", "--roadmaps", str(path), "--timeout", TIMEOUT)
    assert result.exit_code == 1
    assert result.stderr == ""  # no progress bar where stderr is not a terminal
    rows = result.stdout.splitlines()
    # In a pipe, one row per address on one line, the failing first, then a summary.
    assert rows[0].split() == ["Verdict", "Answer", "URL", "Used", "by"]
    assert rows[2].split()[:4] == ["broken", "404", "Not", "Found"]
    assert site.url("/gone") in rows[2]
    assert rows[3].split()[0] == "redirected"
    assert f"{site.url('/old')} -> {site.url('/fine')}" in rows[3].replace("→", "->")
    assert rows[4].split()[0] == "ok"
    assert rows[5] == "3 addresses: 1 broken, 1 redirected, 1 ok"
    assert all(line == line.rstrip() for line in rows)


@pytest.mark.parametrize("width", [80, 40])
def test_the_table_fits_the_terminal_and_never_splits_an_address(
    run: Invoke, tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    urls = [site.url("/gone"), site.url("/old"), site.url("/fine")]
    path = roadmap_file(tmp_path, urls)
    result = run("check-links", "--roadmaps", str(path), "--timeout", TIMEOUT)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(len(line) <= width for line in lines), lines
    for url in urls:  # each on a line whole (they are shorter than the line)
        assert any(url in line for line in lines), url
    assert lines[0].startswith("broken")
    assert "3 addresses: 1 broken, 1 redirected, 1 ok" in " ".join(lines[-3:])


def test_a_blocked_answer_does_not_fail_the_check(
    run: Invoke, tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "localhost" stands for a host known to turn scripts away; a Cloudflare challenge is
    # known by its header, from any host.
    monkeypatch.setitem(linkcheck.BOT_PROTECTED, "localhost", "a stand-in for such a host")
    rate_limited = f"http://localhost:{site.server.port}/patience"
    path = roadmap_file(tmp_path, [site.url("/challenge"), rate_limited])
    code, links = _checked(run, path)
    assert code == 0
    assert links[site.url("/challenge")]["verdict"] == "blocked"
    assert links[site.url("/challenge")]["reason"] == "403 Forbidden: a Cloudflare challenge"
    assert links[rate_limited]["verdict"] == "blocked"
    assert "a stand-in for such a host" in links[rate_limited]["reason"]


def test_addresses_are_asked_side_by_side_within_a_limit_per_host(
    run: Invoke, tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linkcheck, "SETTINGS", replace(linkcheck.SETTINGS, per_host=2))
    path = roadmap_file(tmp_path, [site.url(f"/crowded?page={n}") for n in range(8)])
    code, links = _checked(run, path)
    assert code == 0
    assert len(links) == 8
    assert site.most_at_once == 2  # side by side, and never more than the host's limit


def test_hosts_take_turns() -> None:
    urls = ["http://a.example/1", "http://a.example/2", "http://b.example/1", "http://A.example/3"]
    assert linkcheck._host_by_host(urls) == [
        "http://a.example/1",
        "http://b.example/1",
        "http://a.example/2",
        "http://A.example/3",
    ]


def test_a_retry_after_past_the_cap_is_not_waited_for(
    run: Invoke, tmp_path: Path, site: Site
) -> None:
    path = roadmap_file(tmp_path, [site.url("/patience")])
    code, links = _checked(run, path)
    assert code == 1
    link = links[site.url("/patience")]
    assert (link["verdict"], link["status"], link["retries"]) == ("broken", 429, 0)
    # Asked to come back in an hour: neither waited for nor asked again at once.
    assert [method for method, _ in site.requests("/patience")] == ["HEAD"]


def test_redirects_are_limited_and_must_lead_to_web_addresses(
    run: Invoke, tmp_path: Path, site: Site
) -> None:
    path = roadmap_file(tmp_path, [site.url("/hop/1"), site.url("/elsewhere")])
    code, links = _checked(run, path)
    assert code == 1
    hops = links[site.url("/hop/1")]
    assert (hops["verdict"], hops["reason"]) == ("broken", "more than 10 redirects")
    assert len(hops["redirects"]) == 10
    assert not site.requests("/hop/12")
    elsewhere = links[site.url("/elsewhere")]
    assert (elsewhere["verdict"], elsewhere["reason"]) == (
        "broken",
        "302 Found to a non-web address",
    )


def test_addresses_are_shown_literally(
    run: Invoke, tmp_path: Path, site: Site, piped: None
) -> None:
    sneaky = site.url("/fine?\u202egnp.exe")  # a right-to-left override, from a roadmap file
    path = roadmap_file(tmp_path, [sneaky, site.url("/strange")])
    result = run("check-links", "--roadmaps", str(path), "--timeout", TIMEOUT)
    assert "\u202e" not in result.stdout
    assert "\\u202e" in result.stdout  # the file's address, escaped
    assert site.url("/fine?%E2%80%AEtxt.exe") in result.stdout  # a server's, percent-encoded


def test_a_second_run_answers_from_the_cache(
    run: Invoke, tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = roadmap_file(tmp_path, [site.url("/fine"), site.url("/old"), site.url("/gone")])
    _checked(run, path)
    asked = len(site.asked)
    code, links = _checked(run, path)
    assert code == 1
    assert links[site.url("/fine")]["cached"] is True
    assert links[site.url("/old")]["cached"] is True
    assert links[site.url("/old")]["final_url"] == site.url("/fine")
    assert links[site.url("/gone")]["cached"] is False  # a broken link is asked every time
    assert [path for _, path, _ in site.asked[asked:]] == ["/gone", "/gone"]  # HEAD, then GET

    # Once an answer is old, it is asked again with its ETag, and a 304 keeps its verdict.
    monkeypatch.setattr(linkcheck, "SETTINGS", replace(linkcheck.SETTINGS, fresh_for=timedelta(0)))
    asked = len(site.asked)
    code, links = _checked(run, path)
    assert links[site.url("/fine")]["verdict"] == "ok"
    assert links[site.url("/fine")]["cached"] is False
    conditional = [headers for _, headers in site.requests("/fine")[-2:]]
    assert all(headers.get("If-None-Match") == '"v1"' for headers in conditional)
    assert links[site.url("/old")]["verdict"] == "redirected"
    assert len(site.asked) > asked


def test_no_cache_asks_again_and_keeps_nothing(run: Invoke, tmp_path: Path, site: Site) -> None:
    path = roadmap_file(tmp_path, [site.url("/fine")])
    _checked(run, path, "--no-cache")
    _checked(run, path, "--no-cache")
    assert len(site.requests("/fine")) == 2
    assert not (tmp_path / "cache" / "links.json").exists()


HOSTILE_ENTRIES: dict[str, Any] = {
    "javascript:alert(1)": {"checked": "NOW", "verdict": "ok", "status": 200},
    "FINE-FUTURE": {"checked": "2999-01-01T00:00:00+00:00", "verdict": "ok", "status": 200},
    "FINE-TYPES": {"checked": "NOW", "verdict": "ok", "status": "200"},
    "FINE-VERDICT": {"checked": "NOW", "verdict": "broken", "status": 200},
    "FINE-HEADER": {"checked": "NOW", "verdict": "ok", "status": 200, "etag": "x\r\nEvil: 1"},
    "FINE-HOPS": {
        "checked": "NOW",
        "verdict": "redirected",
        "status": 200,
        "hops": [[301, "file:///etc/passwd"]],
    },
    "FINE-NAIVE": {"checked": "2026-01-01T00:00:00", "verdict": "ok", "status": 200},
}


@pytest.mark.parametrize("case", list(HOSTILE_ENTRIES))
def test_a_changed_cache_entry_is_ignored(
    run: Invoke, tmp_path: Path, site: Site, case: str
) -> None:
    url = site.url("/fine")
    entry = json.loads(json.dumps(HOSTILE_ENTRIES[case]).replace("NOW", _now()))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "links.json").write_text(
        json.dumps({"format": 1, "links": {case if case.startswith("java") else url: entry}})
    )
    path = roadmap_file(tmp_path, [url])
    code, links = _checked(run, path)
    assert code == 0
    assert links[url]["cached"] is False
    assert site.requests("/fine")  # asked, not taken from the cache
    assert all("Evil" not in headers for _, headers in site.requests("/fine"))
    kept = json.loads((cache / "links.json").read_text())["links"]
    assert list(kept) == [url]  # written anew, with what this run learnt


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@pytest.mark.parametrize("kind", ["not json", "a list", "a folder", "a named pipe", "huge"])
def test_a_cache_file_that_is_not_ours_is_not_read(
    run: Invoke, tmp_path: Path, site: Site, kind: str
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    target = cache / "links.json"
    if kind == "not json":
        target.write_bytes(b"\xff{ not json")
    elif kind == "a list":
        target.write_text("[1, 2, 3]")
    elif kind == "a folder":
        target.mkdir()
    elif kind == "a named pipe":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(target)
    else:
        target.write_bytes(b" " * (9 * 1024 * 1024))
    path = roadmap_file(tmp_path, [site.url("/fine")])
    code, links = _checked(run, path)  # a named pipe would never be read to its end
    assert code == 0
    assert links[site.url("/fine")]["cached"] is False


def test_retry_after_is_read_as_seconds_or_a_date_and_capped() -> None:
    settings = replace(linkcheck.SETTINGS, backoff=1.0, max_wait=30.0)
    now = datetime(2026, 2, 4, 12, 0, 0, tzinfo=UTC)
    wait = linkcheck.retry_wait
    assert wait("7", 0, settings, now) == 7
    assert wait("Wed, 04 Feb 2026 12:00:20 GMT", 0, settings, now) == 20
    assert wait("Wed, 04 Feb 2026 11:00:00 GMT", 0, settings, now) == 0  # a date gone by
    assert wait("31", 0, settings, now) is None  # past the cap: not waited for
    assert wait("9" * 5000, 0, settings, now) is None
    assert wait(None, 0, settings, now) == 1  # no Retry-After: the backoff, doubling
    assert wait(None, 2, settings, now) == 4
    assert wait(None, 9, settings, now) == 30
    assert wait("soon", 1, settings, now) == 2  # not a value it takes: as if not there


def test_busy_and_failing_servers_are_asked_again_but_not_those_that_cannot() -> None:
    assert all(linkcheck._worth_retrying(status) for status in (408, 429, 500, 503, 522))
    assert not any(linkcheck._worth_retrying(status) for status in (404, 403, 501, 505))


def test_known_hosts_are_matched_with_their_subdomains_only() -> None:
    assert linkcheck.bot_protected("https://medium.com/@someone/post")
    assert linkcheck.bot_protected("https://pub.towardsdatascience.com/x")
    assert linkcheck.bot_protected("https://WWW.YouTube.com/watch?v=1")
    assert linkcheck.bot_protected("https://notmedium.com/") is None
    assert linkcheck.bot_protected("https://medium.com.example.org/") is None


def test_every_address_of_the_course_is_listed_once_with_its_uses() -> None:
    catalog = load_bundled()
    addresses = linkcheck.course_urls(catalog)
    urls = [address.url for address in addresses]
    assert len(urls) == len(set(urls))
    assert addresses[0].url == catalog.course.url
    assert addresses[0].uses[0].kind == "course"
    every_use = [use for address in addresses for use in address.uses]
    references = [n for n in catalog.nodes.values() if n.kind == "reference"]
    assert {use.id for use in every_use if use.kind == "reference"} == {n.id for n in references}
    links = sum(len(getattr(n.item, "links", ())) for n in catalog.nodes.values())
    assert sum(1 for use in every_use if use.kind == "link") == links


def test_a_course_without_addresses(run: Invoke, tmp_path: Path) -> None:
    path = roadmap_file(tmp_path, [])
    result = run("check-links", "--roadmaps", str(path))
    assert result.exit_code == 0
    assert result.stdout.strip() == "The course has no web addresses to check."


def test_bad_options_and_files_are_one_line(run: Invoke, tmp_path: Path, piped: None) -> None:
    result = run("check-links", "--timeout", "0")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    missing = run("check-links", "--roadmaps", str(tmp_path / "nowhere.toml"))
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: cannot read roadmap file")
    assert len(missing.stderr.splitlines()) == 1


def test_only_check_links_imports_the_http_client() -> None:
    script = (
        "import sys; from llmcourse.cli import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('httpx' in sys.modules, 'asyncio' in sys.modules, file=sys.stderr)"
    )
    for args in (["--help"], ["list"], ["progress"], ["show", "tokenization"]):
        result = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
        )
        assert result.stderr.strip().splitlines()[-1] == "False False", args


def test_the_installed_command_checks_links(tmp_path: Path, site: Site) -> None:
    path = roadmap_file(tmp_path, [site.url("/fine")], reference=site.url("/gone"))
    env = os.environ.copy()
    result = subprocess.run(
        [installed(), "check-links", "--roadmaps", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    links = {link["url"]: link for link in json.loads(result.stdout)["links"]}
    assert links[site.url("/gone")]["used_by"] == [{"id": "one/basics/book", "kind": "reference"}]
    assert links[site.url("/fine")]["verdict"] == "ok"


@pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminals here")
def test_a_progress_bar_shows_on_a_terminal_only(tmp_path: Path, site: Site) -> None:
    import pty

    path = roadmap_file(tmp_path, [site.url("/fine"), site.url("/gone")])
    leader, follower = pty.openpty()
    env = os.environ | {"TERM": "xterm", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [installed(), "check-links", "--roadmaps", str(path)],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == 1
    assert b"Checking links" in shown
    assert b"Checking links" not in stdout
    assert b"1 broken" in stdout


README = Path(__file__).resolve().parents[1] / "README.md"

# The roadmap file of the README's example, with the ports it shows.
README_COURSE = """
schema_version = 1
[course]
id = "team-llm"
title = "Our LLM Reading Group"
url = "http://127.0.0.1:8000/"
[[roadmaps]]
id = "basics"
title = "Basics"
[[roadmaps.sections]]
id = "transformers"
number = 1
title = "Transformers"
[[roadmaps.sections.topics]]
id = "attention"
title = "Attention"
links = [
  { text = "The paper", url = "http://127.0.0.1:8000/papers/attention" },
  { text = "Slides", url = "http://127.0.0.1:8000/slides/slow" },
]
[[roadmaps.sections.topics]]
id = "tokenizers"
title = "Tokenizers"
links = [{ text = "A post", url = "http://127.0.0.1:8000/blog/tokenizers" }]
[[roadmaps.sections.references]]
id = "quantization-notebook"
title = "Quantization notebook"
url = "http://127.0.0.1:8000/notebooks/old"
[[roadmaps.sections.references]]
id = "moved-post"
title = "A post that moved away"
url = "http://127.0.0.1:8000/blog/loop"
[[roadmaps.sections.references]]
id = "lost-paper"
title = "A paper that was taken down"
url = "http://127.0.0.1:8000/papers/lost"
[[roadmaps.sections.references]]
id = "old-server"
title = "Notes on a server that is gone"
url = "http://127.0.0.1:8009/notes"
"""


def test_the_readme_example_is_what_check_links_prints(
    run: Invoke,
    tmp_path: Path,
    refused_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import re

    text = README.read_text("utf-8")
    block = re.search(r"```text\n\$ (llmcourse check-links [^\n]*)\n(.*?)```", text, re.S)
    assert block is not None
    command, shown = block.group(1).split(), block.group(2).rstrip("\n")
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    ok = Response("fine")
    answers: dict[str, Callable[[Request], Response]] = {
        "/": lambda request: ok,
        "/papers/attention": lambda r: Response(status=405) if r.method == "HEAD" else ok,
        "/slides/slow": Site.slow,
        "/blog/tokenizers": lambda request: ok,
        "/notebooks/old": Site.redirect("/notebooks/quantization", 301),
        "/notebooks/quantization": lambda request: ok,
        "/blog/loop": Site.redirect("/blog/loop/", 302),
        "/blog/loop/": Site.redirect("/blog/loop", 302),
        "/papers/lost": Site.status(404),
    }
    for path, answer in answers.items():
        server.expect_request(path).respond_with_handler(answer)
    server.start()
    try:
        refused = refused_url.removeprefix("http://127.0.0.1:").rstrip("/")
        course = README_COURSE.replace(":8000/", f":{server.port}/")
        (tmp_path / "my-course.toml").write_text(course.replace(":8009/", f":{refused}/"))
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("COLUMNS", "80")  # as the README's other examples
        result = run(*command[1:])
    finally:
        server.clear()
        server.stop()
    assert result.exit_code == 1
    printed = result.stdout.replace(f":{server.port}/", ":8000/").replace(f":{refused}/", ":8009/")
    assert printed.rstrip("\n") == shown


def test_why_nothing_answered_is_said_in_words() -> None:
    import ssl

    import httpx

    def failed(cause: BaseException) -> httpx.ConnectError:
        try:
            raise httpx.ConnectError("could not connect") from cause
        except httpx.ConnectError as err:
            return err

    unknown = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert linkcheck._transport_failure(failed(unknown)) == ("no such host (DNS)", False)
    refused = ConnectionRefusedError(111, "Connection refused")
    assert linkcheck._transport_failure(failed(refused)) == ("connection refused", False)
    untrusted = ssl.SSLCertVerificationError(1, "certificate verify failed")
    untrusted.verify_message = "self-signed certificate"
    assert linkcheck._transport_failure(failed(untrusted)) == (
        "TLS: self-signed certificate",
        False,
    )
    closed = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    assert linkcheck._transport_failure(closed)[1] is True  # worth asking again


def test_the_cache_keeps_other_runs_answers_and_the_newest_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "links.json"
    now = datetime(2026, 2, 4, 12, 0, tzinfo=UTC)

    def answer(url: str, minutes_ago: int, verdict: str = "ok") -> linkcheck.Outcome:
        return linkcheck.Outcome(
            url, verdict, "200 OK", 200, checked=now - timedelta(minutes=minutes_ago)
        )

    linkcheck.write_cache(path, [answer("https://a.example/", 30)], now)
    linkcheck.write_cache(  # another run, on another course
        path, [answer("https://b.example/", 20), answer("https://c.example/", 5, "broken")], now
    )
    kept = linkcheck.read_cache(path, now)
    assert sorted(kept) == ["https://a.example/", "https://b.example/"]  # no broken answer
    linkcheck.write_cache(path, [answer("https://a.example/", 60)], now)  # an older answer
    assert linkcheck.read_cache(path, now)["https://a.example/"].checked == now - timedelta(
        minutes=30
    )
    monkeypatch.setattr(linkcheck, "_CACHE_ENTRIES", 2)
    linkcheck.write_cache(path, [answer("https://d.example/", 1)], now)
    assert sorted(linkcheck.read_cache(path, now)) == ["https://b.example/", "https://d.example/"]
    assert linkcheck.read_cache(path, now + timedelta(days=31)) == {}  # a month on: all gone


@pytest.fixture
def trickling_url() -> Iterator[str]:
    """A server that answers a header line at a time, each well within any read timeout, and
    never ends its headers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def talk(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.2):
                    connection.sendall(b"X-Still-Coming: yes\r\n")
            except OSError:
                pass

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=talk, args=(connection,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        server.join()
        listener.close()


def test_a_server_that_never_finishes_is_given_up_on_at_the_budget(
    run: Invoke, tmp_path: Path, trickling_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linkcheck.Settings, "budget", property(lambda settings: 1.5))
    path = roadmap_file(tmp_path, [trickling_url])
    code, links = _checked(run, path)
    assert code == 1
    link = links[trickling_url]
    assert (link["verdict"], link["reason"]) == (
        "unreachable",
        "no answer within 1.5 s, retries included",
    )


def test_the_course_s_notebooks_are_checked_with_the_rest() -> None:
    catalog = load_bundled()
    uses = {
        (use.id, use.kind): address.url
        for address in linkcheck.course_urls(catalog)
        for use in address.uses
    }
    for node in catalog.notebook_nodes():
        item = node.item
        assert uses[(node.id, "colab")] == getattr(item, "colab_url", None)
        if getattr(item, "article_url", None):
            assert uses[(node.id, "article")] == getattr(item, "article_url", None)
    assert len(catalog.notebook_nodes()) == 23
