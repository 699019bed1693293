"""Poll cost: feed sources against a loopback server, mostly unchanged between polls.

    .venv/bin/python -m bench.poll [--sources 5000] [--changed 0.05] [--concurrency 100]
                                   [--tls] [--real-bodies [--comment-only]] [--interval 60]
                                   [--rounds 3]
                                   [--keepalive S] [--server-keepalive S] [--profile N]
                                   [--processes N [--logs DIR] [--log-level L]]

Production shape (issue 15): ``--sources 10000 --tls --real-bodies``. With
``--processes N`` the same feeds are polled by N real pollers on PostgreSQL instead
(`bench.fleet`; ``--tls`` and ``--real-bodies`` apply there too).

A web server in a child process (so its CPU is not counted) serves one feed per
source. Sources are spread over many host names (five feeds per host), all resolved to
127.0.0.1 through the fetcher's resolver seam, so the SSRF guard, per-host limits and
connection handling run as for real sources. Servers differ as real ones do, per host:
half send ETag and Last-Modified (the poll asks with both and gets 304), a quarter only
Last-Modified (If-Modified-Since, 304), a quarter no validator at all (the whole body
comes back and its digest, equal to the last poll's, skips the parse). The server
closes a connection idle for ``--server-keepalive`` seconds (nginx's default, 75).

Round 1 is the first poll of every source, all at once (200, parse). Then ``--rounds``
steady rounds, each after a ``--changed`` share of the feeds got a new item, poll every
source once over ``--interval`` seconds as the service does: one fetcher for the whole
run, each source at its own fixed moment of the interval, started by a tick each second.
So a connection is reused exactly when it would be in service: kept by the fetcher
(``--keepalive``, default the fetcher's own) and by the server across the gap between
two polls of its host. Per round it prints CPU seconds per 1,000 polls (process time
of this process only, every thread: the parse threads count, the server does not) and
the new connections the server saw (with ``--tls``, each a handshake); then the median
and spread over the rounds, the share of one core that polling every source once per
interval takes (target: at most 30% at 10,000 sources and 60 s), and the peak resident
memory (VmHWM; target 250 MB). ``--profile N`` prints the N functions of the steady
rounds with the most CPU time of their own (cProfile on process time; it slows the
rounds, so read their figures from a run without it).

``--tls`` serves HTTPS with a throwaway self-signed certificate (made with the
``openssl`` command) that only this run's fetcher trusts. ``--real-bodies`` serves the
saved real feeds of ../shared/fixtures/feeds (5-190 KB) instead of a 2 KB synthetic
one: a changed feed gets one new item at the top (a copy of its first, under a new id),
so it is fetched whole and its new item parsed; with ``--comment-only`` it differs by a
comment instead (the same items, rebuilt), as in the figures before issue 15's item
digests, which parsed every changed feed whole.
CPU time, not wall time, is the figure to read on a shared machine. Figures only:
nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import ipaddress
import logging
import multiprocessing
import pstats
import random
import re
import socket
import ssl
import statistics
import subprocess
import tempfile
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from aiohttp import web

from monitors.fetcher import KEEP_IDLE, Fetcher, Validators
from monitors.guard import GuardedBackend, GuardedTransport
from monitors.locator import SourceRef
from monitors.poll import poll
from monitors.pools import idle_host_bound
from monitors.seenitems import cut_items

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from monitors.guard import IPAddress

FEEDS_PER_HOST = 5
PER_HOST_LIMIT = 4  # the fetcher's default
TICK = 1.0
LOOPBACK = ipaddress.ip_address("127.0.0.1")
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "feeds"
# Saved feeds that parse: the truncated and mis-encoded ones measure error paths.
BROKEN = {"reuters_truncated_invalid.rss.xml", "latin1_bytes_no_xml_declaration.rss.xml"}


def real_bodies() -> list[bytes]:
    paths = sorted(FIXTURES.glob("*.xml"))
    if not paths:
        raise SystemExit(f"--real-bodies needs the saved feeds in {FIXTURES}")
    return [path.read_bytes() for path in paths if path.name not in BROKEN]


def versioned(body: bytes, version: int, *, new_item: bool = True) -> bytes:
    """``body`` as it is at ``version``: with a new item at the top of its items (a copy of
    its first under another id and title), as a feed changes; or, without ``new_item``, with
    a different comment only, as a feed that rebuilt the same items."""
    if version == 0:
        return body
    items = cut_items(body, "")
    if new_item and items is not None and items.spans:
        start, end = items.spans[0]
        copy = body[start:end]
        for close in (b"</guid>", b"</id>", b"</link>", b"</title>"):
            copy = copy.replace(close, f" v{version}".encode() + close, 1)
        return body[:start] + copy + body[start:]
    marker = f"<!-- v{version} -->".encode()
    if body.startswith(b"<?xml"):
        end = body.index(b"?>") + 2
        return body[:end] + marker + body[end:]
    return marker + body


def self_signed(
    directory: Path, names: str = "DNS:*.bench.test", stem: str = "cert"
) -> tuple[Path, Path]:
    """A certificate for ``names`` (a subjectAltName value) and its key, made by the
    openssl command."""
    cert, key = directory / f"{stem}.pem", directory / f"{stem}.key.pem"
    subprocess.run(  # noqa: S603  # fixed arguments
        [  # noqa: S607  # the openssl on PATH, as an operator would run it
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=bench.test",
            "-addext",
            f"subjectAltName={names}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def peak_rss_mb(field: str = "VmHWM") -> float:
    text = Path("/proc/self/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def feed(source: int, version: int) -> bytes:
    """An RSS document of ten items; each version adds one newer item."""
    items = "".join(
        f"<item><guid>s{source}-{n}</guid><title>Item {n} of source {source}</title>"
        f"<link>https://news.example/{source}/{n}</link>"
        f"<description>&lt;p&gt;Drone activity reported near item {n}.&lt;/p&gt;</description>"
        f"<pubDate>Mon, 01 Sep 2025 {n % 24:02d}:00:00 +0000</pubDate></item>"
        for n in range(version + 10, version, -1)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Source {source}</title><link>https://news.example/{source}</link>"
        f"<description>bench</description>{items}</channel></rss>"
    ).encode()


KINDS = ("etag", "last-modified", "none")
"""What a host's server sends to make a poll conditional; see the module docstring."""


def kind_of(source: int) -> str:
    share = (source // FEEDS_PER_HOST) % 4
    # Hosts 0 and 1 of every four: ETag; host 2: Last-Modified only; host 3: neither.
    return KINDS[0] if share < 2 else KINDS[share - 1]


@dataclass(frozen=True)
class Serving:
    sources: int
    real_bodies: bool
    certs: tuple[tuple[Path, Path], ...]
    """Certificates and keys, none for plain HTTP; listening socket ``i`` serves
    ``certs[i // sockets_per_cert]``."""
    keepalive: float
    sockets_per_cert: int = 1
    new_item: bool = True


def server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    return context


@dataclass
class Visits:
    """What the server saw: new connections and requests per User-Agent, each counted
    until read; per source since the last `periods`, its first and last request and their
    count."""

    connections: int = 0
    agents: Counter[str] = field(default_factory=Counter)
    known: weakref.WeakSet[object] = field(default_factory=weakref.WeakSet)
    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    count: Counter[int] = field(default_factory=Counter)

    def seen(self, source: int, transport: object, agent: str) -> None:
        # The transport is the connection: a new one is a new TCP (and TLS) handshake.
        if transport not in self.known:
            self.known.add(transport)
            self.connections += 1
        self.agents[agent] += 1
        now = time.monotonic()
        self.first.setdefault(source, now)
        self.last[source] = now
        self.count[source] += 1

    def periods(self) -> list[float]:
        """The mean time between two requests of each source asked twice or more; then
        starts counting again."""
        found = [
            (self.last[source] - first) / (self.count[source] - 1)
            for source, first in self.first.items()
            if self.count[source] > 1
        ]
        self.first.clear()
        self.last.clear()
        self.count.clear()
        return found


def serve(socks: list[socket.socket], serving: Serving, control: Connection) -> None:
    """The child process: serve feeds until told to stop; answer the parent's commands."""
    asyncio.run(_serve(socks, serving, control))


async def _serve(socks: list[socket.socket], serving: Serving, control: Connection) -> None:
    versions = [0] * serving.sources
    visits = Visits()
    epoch = datetime(2025, 9, 1, tzinfo=UTC)

    bodies = real_bodies() if serving.real_bodies else []

    def body(source: int) -> bytes:
        if not bodies:
            return feed(source, versions[source])
        return versioned(bodies[source % len(bodies)], versions[source], new_item=serving.new_item)

    async def handle(request: web.Request) -> web.Response:
        source = int(request.match_info["source"])
        visits.seen(source, request.transport, request.headers.get("User-Agent", ""))
        kind = kind_of(source)
        etag = f'"{source}-{versions[source]}"'
        modified = format_datetime(epoch + timedelta(hours=versions[source]), usegmt=True)
        headers = {"ETag": etag} if kind == "etag" else {}
        if kind != "none":
            headers["Last-Modified"] = modified
        asked_etag = request.headers.get("If-None-Match")
        if kind == "etag" and asked_etag is not None:
            if asked_etag == etag:
                return web.Response(status=304, headers=headers)
        elif kind != "none" and request.headers.get("If-Modified-Since") == modified:
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = "application/rss+xml; charset=utf-8"
        return web.Response(body=body(source), headers=headers)

    app = web.Application()
    app.router.add_get("/feed/{source}", handle)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=serving.keepalive)
    await runner.setup()
    contexts = [server_context(cert) for cert in serving.certs]
    for n, sock in enumerate(socks):
        context = contexts[n // serving.sockets_per_cert] if contexts else None
        await web.SockSite(runner, sock, backlog=1024, ssl_context=context).start()
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, control.recv)
        if command == "stop":
            break
        if command == "connections":
            control.send(visits.connections)
            visits.connections = 0
        elif command == "agents":
            control.send(dict(visits.agents))
            visits.agents.clear()
        elif command == "periods":
            control.send(visits.periods())
        else:
            versions[: int(command)] = [version + 1 for version in versions[: int(command)]]
            control.send("ok")
    await runner.cleanup()


async def resolve(host: str, port: int) -> list[IPAddress]:  # noqa: ARG001 -- the resolver seam's signature
    return [LOOPBACK]


@dataclass
class Round:
    name: str
    polls: int
    wall: float
    cpu: float
    outcomes: Counter[str]
    connections: int

    def report(self) -> None:
        print(
            f"{self.name}: {self.polls} polls in {self.wall:.2f} s = "
            f"{self.polls / self.wall:,.0f} sources/s; "
            f"CPU {self.cpu / self.polls * 1000:.2f} s per 1,000 polls; "
            f"{self.connections} connections opened; "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        )


@dataclass(frozen=True)
class Bench:
    refs: list[SourceRef]
    limit: int
    control: Connection
    cert: Path | None
    keepalive: float
    per_host: int | None

    def fetcher(self) -> Fetcher:
        per_host = self.per_host or PER_HOST_LIMIT
        transport = GuardedTransport(
            GuardedBackend(allow_private_networks=True, resolver=resolve),
            per_host=per_host,
            keepalive_expiry=self.keepalive,
            max_hosts=idle_host_bound(),
            ssl_context=ssl.create_default_context(cafile=str(self.cert)) if self.cert else None,
        )
        return Fetcher(
            allow_private_networks=True,
            resolver=resolve,
            transport=transport,
            per_host_limit=per_host,
        )

    async def poll_round(
        self,
        name: str,
        fetcher: Fetcher,
        validators: list[Validators],
        starts: list[tuple[float, int]],
    ) -> Round:
        """Poll each ``(offset, index)`` once, ``offset`` seconds after the round begins.

        Like the service's poll loop: a tick each second starts the sources then due.
        """
        slots = asyncio.Semaphore(self.limit)
        outcomes: Counter[str] = Counter()
        tasks: list[asyncio.Task[None]] = []

        async def one(index: int) -> None:
            async with slots:
                result = await poll(fetcher, self.refs[index], validators[index])
            if result.error is not None:
                outcomes[f"error:{type(result.error).__name__}"] += 1
                return
            validators[index] = result.validators
            outcomes["not_modified" if result.not_modified else "parsed"] += 1

        loop = asyncio.get_running_loop()
        cpu, wall = time.process_time(), time.perf_counter()
        begun = loop.time()
        pending = iter(sorted(starts))
        upcoming = next(pending, None)
        while upcoming is not None:
            while upcoming is not None and upcoming[0] <= loop.time() - begun:
                tasks.append(asyncio.create_task(one(upcoming[1])))
                upcoming = next(pending, None)
            if upcoming is not None:
                await asyncio.sleep(TICK)
        await asyncio.gather(*tasks)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.control.send("connections")
        return Round(name, len(starts), wall, cpu, outcomes, self.control.recv())


async def bench(
    args: argparse.Namespace, port: int, control: Connection, cert: Path | None
) -> None:
    scheme = "https" if cert is not None else "http"
    run = Bench(
        [
            SourceRef("feed", f"{scheme}://h{n // FEEDS_PER_HOST}.bench.test:{port}/feed/{n}")
            for n in range(args.sources)
        ],
        args.limit,
        control,
        cert,
        args.keepalive,
        args.per_host,
    )
    validators = [Validators()] * args.sources
    # Each source keeps its own moment in the interval, as jittered next checks spread
    # them in the service; fixed seed, so runs compare.
    phases = random.Random(15).choices(range(1000), k=args.sources)
    paced = [(phase * args.interval / 1000, n) for n, phase in enumerate(phases)]
    async with run.fetcher() as fetcher:
        first = await run.poll_round(
            "round 1 (first poll, all at once)",
            fetcher,
            validators,
            [(0.0, n) for n in range(args.sources)],
        )
        first.report()
        print(f"  peak resident memory (VmHWM) after round 1: {peak_rss_mb():.0f} MB")
        # CPU time, not wall: waiting for the server is not the poller's cost.
        profile = cProfile.Profile(time.process_time) if args.profile else None
        steady: list[Round] = []
        for number in range(args.rounds):
            control.send(str(int(args.sources * args.changed)))
            control.recv()
            if profile is not None:
                profile.enable()
            steady.append(
                await run.poll_round(f"steady round {number + 1}", fetcher, validators, paced)
            )
            if profile is not None:
                profile.disable()
            steady[-1].report()
    per_thousand = sorted(part.cpu / part.polls * 1000 for part in steady)
    median = statistics.median(per_thousand)
    share = median / 1000 * args.sources / args.interval
    print(
        f"steady CPU per 1,000 polls over {len(steady)} rounds: median {median:.2f} s "
        f"(min {per_thousand[0]:.2f}, max {per_thousand[-1]:.2f})"
    )
    print(
        f"{args.sources} sources every {args.interval:g} s: {share:.0%} of one core "
        f"(the median round); peak resident memory (VmHWM) {peak_rss_mb():.0f} MB, "
        f"now (VmRSS) {peak_rss_mb('VmRSS'):.0f} MB"
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--changed", type=float, default=0.05, help="share changed in round 2")
    parser.add_argument("--concurrency", dest="limit", type=int, default=100)
    parser.add_argument("--tls", action="store_true", help="HTTPS, self-signed")
    parser.add_argument("--real-bodies", action="store_true", help="the saved real feeds")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    parser.add_argument(
        "--keepalive",
        type=float,
        default=KEEP_IDLE,
        help="seconds the fetcher keeps an idle connection (5: httpx's own, none kept)",
    )
    parser.add_argument(
        "--per-host", type=int, help="exchanges at once per host (default: the fetcher's own)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        help="run this many real `lookout run --role poller` on PostgreSQL (bench.fleet)",
    )
    parser.add_argument("--logs", help="with --processes: keep the pollers' logs in this folder")
    parser.add_argument(
        "--log-level", default="WARNING", help="with --processes: the pollers' --log-level"
    )
    parser.add_argument(
        "--comment-only",
        action="store_true",
        help="with --real-bodies: a changed feed differs by a comment, not a new item",
    )
    parser.add_argument("--rounds", type=int, default=3, help="steady rounds to measure")
    parser.add_argument(
        "--server-keepalive",
        type=float,
        default=75.0,
        help="seconds the server keeps an idle connection (nginx's default: 75)",
    )
    parser.add_argument(
        "--profile", type=int, help="print the steady rounds' N costliest functions"
    )
    args = parser.parse_args()
    if args.processes:
        from bench.fleet import run_fleet  # this mode only: it needs the test extra

        run_fleet(args, serve, FEEDS_PER_HOST)
        return
    # Per-poll debug lines would measure the terminal, not the poller.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="lookout-bench-") as scratch:
        cert = self_signed(Path(scratch)) if args.tls else None
        serving = Serving(
            args.sources,
            args.real_bodies,
            (cert,) if cert else (),
            args.server_keepalive,
            new_item=not args.comment_only,
        )
        ours, theirs = multiprocessing.Pipe()
        server = multiprocessing.Process(target=serve, args=([sock], serving, theirs), daemon=True)
        server.start()
        try:
            asyncio.run(bench(args, port, ours, cert[0] if cert else None))
        finally:
            ours.send("stop")
            server.join(timeout=10)
            sock.close()


if __name__ == "__main__":
    main()
