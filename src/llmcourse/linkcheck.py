"""Every web address of a course, and whether each one still answers.

`course_urls` lists the addresses with where the course uses them. `check` asks each one, side
by side with a limit per host: HEAD first and GET where HEAD is refused, retries with backoff on
429 and 5xx (honouring `Retry-After`, up to a cap), redirects followed one hop at a time (so
that each hop is seen and a loop is caught), and an answer per address:

- `ok`: it answers 2xx (or 304 to a conditional request);
- `redirected`: it ends, through redirects, at another address that answers;
- `broken`: 4xx or 5xx after the retries, a redirect loop, too many redirects or a redirect to
  something that is not a web address;
- `unreachable`: no answer at all: a timeout, a refused connection, no such host, a TLS failure;
- `blocked`: a 403 or 429 (999 for LinkedIn) from a host known to turn scripts away
  (`BOT_PROTECTED`), or a Cloudflare challenge: the page may well be there, a person would see
  it, and a script cannot tell. Not a failure.

Answers that are `ok` or `redirected` are kept in the cache folder (`links.json`) for a day, and
then asked again with the `ETag`/`Last-Modified` they came with, so that a second run is quick.
The cache is a file anyone who can write the folder may change: each entry is checked (types,
web addresses, a time that is not in the future) and one that fails is ignored, never trusted.

httpx is imported by the functions that go on the network, so listing a course's addresses costs
nothing more than the catalog.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from llmcourse import __version__
from llmcourse.catalog import Catalog
from llmcourse.models import Notebook, Reference, Topic, is_web_url

if TYPE_CHECKING:
    import asyncio

    import httpx

# The verdicts, in the order a report shows them: what needs fixing first.
VERDICTS = ("broken", "unreachable", "blocked", "redirected", "ok")
FAILING = ("broken", "unreachable")  # the verdicts that make `check-links` exit 1

# Hosts known to answer scripts with 403 or 429 (or LinkedIn's own 999) whatever the page, so
# that such an answer from them says nothing about the link. Each is a host and its subdomains.
BOT_PROTECTED: dict[str, str] = {
    "medium.com": "Cloudflare's bot check answers scripts with 403",
    "towardsdatascience.com": "Medium's former home, behind the same bot check",
    "openai.com": "Cloudflare's bot check answers scripts with 403",
    "datacamp.com": "Cloudflare's bot check answers scripts with 403",
    "x.com": "answers clients that run no JavaScript with 403",
    "twitter.com": "now x.com, with the same refusal",
    "linkedin.com": "answers scripts with its own status, 999",
    "reddit.com": "answers clients without an API key with 403 or 429",
    "researchgate.net": "answers anything that is not a browser with 403",
    "github.com": "limits how often one address may ask (429)",
    "huggingface.co": "limits how often one address may ask (429)",
    "arxiv.org": "refuses (403) clients that ask in bursts, taking them for crawlers",
    "youtube.com": "answers servers it suspects with 429 ('unusual traffic')",
    "youtu.be": "YouTube's short links, with YouTube's limits",
}
_BLOCKING_STATUSES = (403, 429, 999)


def _worth_retrying(status: int) -> bool:
    """Whether an answer may change after a wait: a timeout (408), too many requests (429),
    or a server error (5xx, Cloudflare's 52x among them), but not 501 Not Implemented or 505
    HTTP Version Not Supported, which say what the server cannot do."""
    return status in (408, 429) or (500 <= status < 600 and status not in (501, 505))


CACHE_NAME = "links.json"
_CACHE_FORMAT = 1
_CACHE_LIMIT = 8 * 1024 * 1024  # far beyond 10,000 entries: a larger file is not one of ours
_CACHE_ENTRIES = 10_000  # the most kept: the most recently checked
_CACHE_KEPT_FOR = timedelta(days=30)  # an entry older than this is dropped, not revalidated
_VALIDATOR_LIMIT = 200  # the longest ETag or date kept: they are sent back as headers


@dataclass(frozen=True)
class Settings:
    """How links are checked. `SETTINGS` is what `check-links` uses (its `--timeout` aside)."""

    timeout: float = 10.0  # seconds for each answer (connecting, and each read)
    retries: int = 2  # asked again this many times at most, after 429, 5xx or a timeout
    backoff: float = 1.0  # seconds before the first retry, doubled for each one after it
    max_wait: float = 30.0  # a Retry-After longer than this is not waited for: the answer stands
    wait_scale: float = 1.0  # every wait is multiplied by this (tests make the waits tiny)
    redirects: int = 10  # hops followed at most
    per_host: int = 4  # requests to one host at once
    at_once: int = 16  # addresses checked at once
    fresh_for: timedelta = timedelta(days=1)  # a cached answer is used as it is for this long

    @property
    def budget(self) -> float:
        """Seconds one address may take, every hop, retry and wait included: past it, the
        address is unreachable. A minute, or six answers' time where that is longer."""
        return max(60.0, 6 * self.timeout)


SETTINGS = Settings()


class Use(NamedTuple):
    """Where the course uses an address: the id of what holds it and what it is there."""

    id: str
    kind: str  # "course", "link" (of a topic), "reference"; "colab", "article", "project"


class Address(NamedTuple):
    url: str
    uses: tuple[Use, ...]


def course_urls(catalog: Catalog) -> list[Address]:
    """Every web address of the course, once, in course order, with each place it is used."""
    uses: dict[str, list[Use]] = {}

    def add(url: str | None, where: str, kind: str) -> None:
        if is_web_url(url):  # always, unless the course came from a changed cache entry
            uses.setdefault(url, []).append(Use(where, kind))

    add(catalog.course.url, catalog.course.id, "course")
    for node in catalog.nodes.values():
        if isinstance(node.item, Topic):
            for link in node.item.links:
                add(link.url, node.id, "link")
        elif isinstance(node.item, Reference):
            add(node.item.url, node.id, "reference")
        elif isinstance(node.item, Notebook):
            add(node.item.colab_url, node.id, "colab")
            add(node.item.article_url, node.id, "article")
            add(node.item.project_url, node.id, "project")
    return [Address(url, tuple(found)) for url, found in uses.items()]


class Hop(NamedTuple):
    """A redirect: its status and where it pointed."""

    status: int
    url: str


class Outcome(NamedTuple):
    """What checking one address found."""

    url: str
    verdict: str  # one of VERDICTS
    reason: str  # in words: "404 Not Found", "connection refused", ...
    status: int | None = None  # the last answer's status; None when there was no answer
    redirects: tuple[Hop, ...] = ()
    retries: int = 0
    cached: bool = False  # taken from the cache as it was, without asking
    checked: datetime | None = None
    etag: str | None = None  # the validators of the last answer, for the next run's request
    last_modified: str | None = None

    @property
    def final_url(self) -> str | None:
        return self.redirects[-1].url if self.redirects else None


def status_words(status: int) -> str:
    """`404 Not Found`: a status with its standard phrase (never the server's own, which is
    any text it likes)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def bot_protected(url: str) -> str | None:
    """Why the host of `url` is known to turn scripts away, or None."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for known, why in BOT_PROTECTED.items():
        if host == known or host.endswith("." + known):
            return why
    return None


def retry_wait(
    retry_after: str | None, retry: int, settings: Settings, now: datetime
) -> float | None:
    """Seconds to wait before retry number `retry` (from 0): what `Retry-After` asks (seconds
    or an HTTP date), else the backoff; None when the server asks for more than
    `settings.max_wait`, which is not waited for."""
    backoff = settings.backoff * 2.0**retry
    if retry_after is None:
        return min(backoff, settings.max_wait)
    value = retry_after.strip()
    asked: float | None = None
    if value.isascii() and value.isdigit():
        asked = float(value) if len(value) < 10 else float("inf")
    else:
        from email.utils import parsedate_to_datetime

        with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
            when = parsedate_to_datetime(value)
            if when.tzinfo is None:  # HTTP dates are in GMT
                when = when.replace(tzinfo=UTC)
            asked = max(0.0, (when - now).total_seconds())
    if asked is None:  # not a value Retry-After takes: as if it were not there
        return min(backoff, settings.max_wait)
    return asked if asked <= settings.max_wait else None


# --- The cache of answers --------------------------------------------------------------------


def cache_path() -> Path:
    from llmcourse.catalog import cache_dir

    return cache_dir() / CACHE_NAME


def read_cache(path: Path, now: datetime) -> dict[str, Outcome]:
    """The answers kept at `path`, each checked; nothing where the file cannot be read or is
    not one llmcourse wrote (it is then written anew by `write_cache`)."""
    from llmcourse import regular

    try:
        data = json.loads(regular.read(path, _CACHE_LIMIT))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        return {}
    links = data.get("links")
    if not isinstance(links, dict):
        return {}
    found: dict[str, Outcome] = {}
    for url, entry in links.items():
        outcome = _cached_outcome(url, entry, now)
        if outcome is not None:
            found[url] = outcome
    return found


def _cached_outcome(url: object, entry: object, now: datetime) -> Outcome | None:
    """An entry of the cache as an answer, or None when anything in it is not what
    `write_cache` writes (a wrong type, an address that is not a web address, a time to come)."""
    if not is_web_url(url) or not isinstance(entry, dict):
        return None
    try:
        checked = datetime.fromisoformat(entry["checked"])
        status, verdict = entry["status"], entry["verdict"]
        hops = tuple(Hop(hop_status, hop_url) for hop_status, hop_url in entry.get("hops", []))
        etag, modified = entry.get("etag"), entry.get("last_modified")
    except (KeyError, TypeError, ValueError):
        return None
    if (
        checked.tzinfo is None
        or not now - _CACHE_KEPT_FOR <= checked <= now + timedelta(minutes=5)
        or verdict not in ("ok", "redirected")
        or type(status) is not int
        or not (200 <= status < 300 or status == 304)
        or (verdict == "redirected") != bool(hops)
        or len(hops) > SETTINGS.redirects
        or not all(type(s) is int and 300 <= s < 400 and is_web_url(u) for s, u in hops)
        or not all(_validator(value) for value in (etag, modified) if value is not None)
    ):
        return None
    return Outcome(
        url,
        verdict,
        status_words(status),
        status,
        hops,
        checked=checked,
        etag=etag,
        last_modified=modified,
    )


def _validator(value: object) -> bool:
    """Whether `value` can be sent back as an ETag or date: short, printable ASCII."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= _VALIDATOR_LIMIT
        and value.isascii()
        and value.isprintable()
    )


def write_cache(path: Path, outcomes: Iterable[Outcome], now: datetime) -> None:
    """Keep the answers worth keeping (`ok` and `redirected`), with those already kept by
    another run (the newer of two answers wins), at most `_CACHE_ENTRIES` of them; written
    whole to a temporary file and moved into place. A cache that cannot be written is no
    problem: the next run asks again."""
    from llmcourse.catalog import _write_cache

    kept = read_cache(path, now)
    for outcome in outcomes:
        if outcome.verdict not in ("ok", "redirected") or outcome.checked is None:
            continue
        known = kept.get(outcome.url)
        if known is None or known.checked is None or known.checked <= outcome.checked:
            kept[outcome.url] = outcome
    newest = sorted(kept.values(), key=lambda o: o.checked or now, reverse=True)
    links: dict[str, Any] = {}
    for outcome in newest[:_CACHE_ENTRIES]:
        entry: dict[str, Any] = {
            "checked": (outcome.checked or now).isoformat(),
            "verdict": outcome.verdict,
            "status": outcome.status,
        }
        if outcome.redirects:
            entry["hops"] = [[hop.status, hop.url] for hop in outcome.redirects]
        if _validator(outcome.etag):
            entry["etag"] = outcome.etag
        if _validator(outcome.last_modified):
            entry["last_modified"] = outcome.last_modified
        links[outcome.url] = entry
    content = json.dumps({"format": _CACHE_FORMAT, "links": links}, ensure_ascii=True)
    with contextlib.suppress(OSError):
        _write_cache(path, content.encode("ascii"))


# --- Asking ----------------------------------------------------------------------------------


class _Answer(NamedTuple):
    """The last answer to one request, after its retries; or why there was none."""

    status: int | None
    headers: dict[str, str]
    failure: str | None  # why nothing answered, in words
    retries: int


@dataclass
class _Limits:
    settings: Settings
    hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    def host(self, url: str) -> asyncio.Semaphore:
        import asyncio
        from urllib.parse import urlsplit

        name = (urlsplit(url).hostname or "").lower()
        if name not in self.hosts:
            self.hosts[name] = asyncio.Semaphore(self.settings.per_host)
        return self.hosts[name]


def check(
    urls: list[str],
    *,
    settings: Settings = SETTINGS,
    cache: Path | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_checked: Callable[[Outcome], None] | None = None,
) -> dict[str, Outcome]:
    """Check each address; the outcome of each, by address. With a `cache` file, an answer
    kept there younger than `settings.fresh_for` is used as it is, an older one is asked again
    with its validators, and what this run learns is kept there, even when it is stopped (an
    interrupt) part way. `on_checked` hears of each outcome as it comes (for a progress bar)."""
    import asyncio

    cached = read_cache(cache, clock()) if cache is not None else {}
    found: dict[str, Outcome] = {}
    try:
        asyncio.run(_check_all(urls, settings, cached, clock, on_checked, found))
    finally:
        if cache is not None and found:
            write_cache(cache, found.values(), clock())
    return found


async def _check_all(
    urls: list[str],
    settings: Settings,
    cached: dict[str, Outcome],
    clock: Callable[[], datetime],
    on_checked: Callable[[Outcome], None] | None,
    found: dict[str, Outcome],
) -> None:
    import asyncio

    import httpx

    limits = _Limits(settings)
    at_once = asyncio.Semaphore(settings.at_once)
    timeout = httpx.Timeout(settings.timeout)
    headers = {"User-Agent": f"llmcourse/{__version__} (check-links)", "Accept": "*/*"}
    pool = httpx.Limits(max_connections=settings.at_once, max_keepalive_connections=8)
    hooks = {"response": [_take_location]}
    async with httpx.AsyncClient(
        timeout=timeout, headers=headers, limits=pool, follow_redirects=False, event_hooks=hooks
    ) as client:

        async def one(url: str) -> None:
            async with at_once:
                before = cached.get(url)
                now = clock()
                if (
                    before is not None
                    and before.checked is not None
                    and now - before.checked < settings.fresh_for
                ):
                    outcome = before._replace(cached=True)
                else:
                    try:
                        async with asyncio.timeout(settings.budget):
                            outcome = await _check_one(client, url, settings, limits, before)
                    except TimeoutError:
                        outcome = Outcome(
                            url,
                            "unreachable",
                            f"no answer within {settings.budget:g} s, retries included",
                        )
                    outcome = outcome._replace(checked=clock())
            found[url] = outcome
            if on_checked is not None:
                on_checked(outcome)

        await asyncio.gather(*(one(url) for url in _host_by_host(urls)))


def _host_by_host(urls: list[str]) -> list[str]:
    """The addresses taken from each host in turn: a course lists many of one host together
    (a section of papers), and checked in that order they would wait on the host's limit while
    the other hosts' slots stood idle, and spend their time budget waiting."""
    from itertools import zip_longest
    from urllib.parse import urlsplit

    hosts: dict[str, list[str]] = {}
    for url in urls:
        hosts.setdefault((urlsplit(url).hostname or "").lower(), []).append(url)
    turns = zip_longest(*hosts.values())
    return [url for turn in turns for url in turn if url is not None]


_LOCATION = "llmcourse.location"


async def _take_location(response: httpx.Response) -> None:
    """Take a redirect's Location out of its headers, into the response's extensions, before
    httpx reads it: even when it does not follow redirects, httpx makes the request a redirect
    would lead to, and fails on a Location it cannot parse (`javascript:...`), which is the
    server's mistake to report, not a failure to connect."""
    found = response.headers.get_list("location")
    if found:
        del response.headers["location"]
        response.extensions[_LOCATION] = found[0]


async def _check_one(
    client: httpx.AsyncClient,
    url: str,
    settings: Settings,
    limits: _Limits,
    before: Outcome | None,
) -> Outcome:
    """Follow `url` hop by hop to its answer."""
    import httpx

    current = url
    try:
        seen = {str(httpx.URL(url))}
    except (httpx.InvalidURL, ValueError, TypeError):
        return Outcome(url, "broken", "not an address that can be asked")
    hops: list[Hop] = []
    retries = 0
    # The validators of the answer last kept belong to where it ended.
    validated = (before.final_url or before.url) if before is not None else None
    while True:
        conditional: dict[str, str] = {}
        if before is not None and current == validated:
            if before.etag:
                conditional["If-None-Match"] = before.etag
            if before.last_modified:
                conditional["If-Modified-Since"] = before.last_modified
        answer = await _ask(client, current, settings, limits, conditional)
        retries += answer.retries
        done = Outcome(url, "", "", answer.status, tuple(hops), retries)
        if answer.status is None:
            return done._replace(verdict="unreachable", reason=answer.failure or "no answer")
        status = answer.status
        location = answer.headers.get("location")
        if 300 <= status < 400 and status != 304 and location is not None:
            try:
                target = str(httpx.URL(current).join(location.strip()))
            except (httpx.InvalidURL, ValueError, TypeError):
                return done._replace(
                    verdict="broken", reason=f"{status_words(status)} to an address that is not one"
                )
            if not is_web_url(target):
                return done._replace(
                    verdict="broken", reason=f"{status_words(status)} to a non-web address"
                )
            if target in seen:
                return done._replace(
                    redirects=(*hops, Hop(status, target)), verdict="broken", reason="redirect loop"
                )
            if len(hops) >= settings.redirects:
                return done._replace(
                    verdict="broken", reason=f"more than {settings.redirects} redirects"
                )
            hops.append(Hop(status, target))
            seen.add(target)
            current = target
            continue
        return _verdict(done, answer, current, before if conditional else None)


def _verdict(done: Outcome, answer: _Answer, last_url: str, revalidated: Outcome | None) -> Outcome:
    """The verdict on the last answer of a chain of hops."""
    status = answer.status
    assert status is not None
    headers = answer.headers
    kept = done._replace(etag=headers.get("etag"), last_modified=headers.get("last-modified"))
    if status == 304 and revalidated is not None:  # unchanged since it was last kept
        status = revalidated.status or status
        kept = kept._replace(
            etag=kept.etag or revalidated.etag,
            last_modified=kept.last_modified or revalidated.last_modified,
        )
    if 200 <= status < 400:
        if 300 <= status < 400 and status != 304:
            return kept._replace(verdict="broken", reason=f"{status_words(status)} with no address")
        verdict = "redirected" if done.redirects else "ok"
        return kept._replace(verdict=verdict, reason=status_words(status), status=status)
    why = bot_protected(last_url)
    challenge = headers.get("cf-mitigated", "").lower() == "challenge"
    if status in _BLOCKING_STATUSES and (why is not None or challenge):
        because = why or "a Cloudflare challenge"
        return done._replace(verdict="blocked", reason=f"{status_words(status)}: {because}")
    return done._replace(verdict="broken", reason=status_words(status))


async def _ask(
    client: httpx.AsyncClient,
    url: str,
    settings: Settings,
    limits: _Limits,
    conditional: dict[str, str],
) -> _Answer:
    """One request's answer: HEAD first, GET once HEAD is refused (any 4xx or 5xx: servers
    answer a HEAD they do not handle with 405, 501, 403, 404 or 500 alike), retried after a
    wait on 429, 5xx and timeouts. The body is never read."""
    import httpx

    method = "HEAD"
    retry = 0
    while True:
        failure: str | None = None
        again = False
        try:
            async with limits.host(url):
                request = client.build_request(method, url, headers=conditional)
                response = await client.send(request, stream=True)
                await response.aclose()
        except httpx.TimeoutException:
            failure, again = f"timed out after {settings.timeout:g} s", True
        except (httpx.TransportError, httpx.InvalidURL, ValueError) as err:
            failure, again = _transport_failure(err)
        if failure is not None:
            if not again or retry >= settings.retries:
                return _Answer(None, {}, failure, retry)
            await _pause(min(settings.backoff * 2.0**retry, settings.max_wait), settings)
            retry += 1
            continue
        status = response.status_code
        headers = {name.lower(): value for name, value in response.headers.items()}
        if _LOCATION in response.extensions:
            headers["location"] = response.extensions[_LOCATION]
        if method == "HEAD" and status >= 400:
            method = "GET"
            if not _worth_retrying(status):
                continue  # asked again at once, by GET: not a retry
        if _worth_retrying(status) and retry < settings.retries:
            wait = retry_wait(headers.get("retry-after"), retry, settings, datetime.now(UTC))
            if wait is not None:
                await _pause(wait, settings)
                retry += 1
                continue
        return _Answer(status, headers, None, retry)


async def _pause(seconds: float, settings: Settings) -> None:
    """Wait before a retry: a little longer than asked, at random, so that the retries of
    many addresses do not arrive together."""
    import asyncio

    await asyncio.sleep(seconds * (1 + random.random() / 4) * settings.wait_scale)


def _transport_failure(err: Exception) -> tuple[str, bool]:
    """Why a request got no answer, in words, and whether asking again might help."""
    import socket
    import ssl

    chain: list[BaseException] = []
    cause: BaseException | None = err
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for found in chain:
        if isinstance(found, ssl.SSLCertVerificationError):
            return f"TLS: {found.verify_message or 'certificate not trusted'}", False
        if isinstance(found, ssl.SSLError):
            return f"TLS: {found.reason or 'handshake failed'}", False
        if isinstance(found, ConnectionRefusedError):
            return "connection refused", False
        if isinstance(found, socket.gaierror):
            return "no such host (DNS)", False
    text = str(err).lower()
    if "certificate" in text or "ssl" in text or "tls" in text:
        return "TLS: handshake failed", False
    if "refused" in text:
        return "connection refused", False
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "no such host (DNS)", False
    import httpx

    if isinstance(err, httpx.InvalidURL | ValueError) and not isinstance(err, httpx.HTTPError):
        return "not an address httpx can ask", False
    if isinstance(err, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was closed before an answer", True
    return f"no answer ({type(err).__name__})", False
