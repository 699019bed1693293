"""Poll throughput: 5,000 feed sources against a loopback server, mostly answering 304.

    .venv/bin/python -m bench.poll [--sources 5000] [--changed 0.05] [--concurrency 100]

A web server in a child process (so its CPU is not counted) serves one small RSS
feed per source, with ETags. Sources are spread over many host names (five
feeds per host), all resolved to 127.0.0.1 through the fetcher's resolver seam,
so the SSRF guard, per-host limits and connection handling run as for real
sources. Round 1 is the first poll of every source (200, parse); between rounds
a fraction of the feeds gets a new item; round 2 is the steady state (mostly
304, the rest parsed). Prints, per round, sources/s, CPU seconds per 1,000
polls (this process only, all threads), and the peak resident memory.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import multiprocessing
import resource
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from aiohttp import web

from monitors.fetcher import Fetcher, Validators
from monitors.locator import SourceRef
from monitors.poll import poll

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from monitors.guard import IPAddress

FEEDS_PER_HOST = 5
LOOPBACK = ipaddress.ip_address("127.0.0.1")


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


def serve(sock: socket.socket, sources: int, control: Connection) -> None:
    """The child process: serve feeds until told to stop; bump versions on request."""
    asyncio.run(_serve(sock, sources, control))


async def _serve(sock: socket.socket, sources: int, control: Connection) -> None:
    versions = [0] * sources

    async def handle(request: web.Request) -> web.Response:
        source = int(request.match_info["source"])
        etag = f'"{source}-{versions[source]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=feed(source, versions[source]),
            headers={"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"},
        )

    app = web.Application()
    app.router.add_get("/feed/{source}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=1024).start()
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, control.recv)
        if command == "stop":
            break
        for source in range(int(command)):
            versions[source] += 1
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

    def report(self) -> None:
        print(
            f"{self.name}: {self.polls} polls in {self.wall:.2f} s = "
            f"{self.polls / self.wall:,.0f} sources/s; "
            f"CPU {self.cpu / self.polls * 1000:.2f} s per 1,000 polls; "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        )


async def poll_round(
    name: str, fetcher: Fetcher, refs: list[SourceRef], validators: list[Validators], limit: int
) -> Round:
    slots = asyncio.Semaphore(limit)
    outcomes: Counter[str] = Counter()

    async def one(index: int) -> None:
        async with slots:
            result = await poll(fetcher, refs[index], validators[index])
        if result.error is not None:
            outcomes[f"error:{type(result.error).__name__}"] += 1
            return
        validators[index] = result.validators
        outcomes["not_modified" if result.not_modified else "parsed"] += 1

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(len(refs))))
    return Round(name, len(refs), time.perf_counter() - wall, time.process_time() - cpu, outcomes)


async def bench(args: argparse.Namespace, port: int, control: Connection) -> None:
    refs = [
        SourceRef("feed", f"http://h{n // FEEDS_PER_HOST}.bench.test:{port}/feed/{n}")
        for n in range(args.sources)
    ]
    validators = [Validators()] * args.sources
    async with Fetcher(allow_private_networks=True, resolver=resolve) as fetcher:
        first = await poll_round("round 1 (first poll)", fetcher, refs, validators, args.limit)
        first.report()
        control.send(str(int(args.sources * args.changed)))
        control.recv()
        steady = await poll_round("round 2 (steady)", fetcher, refs, validators, args.limit)
        steady.report()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--changed", type=float, default=0.05, help="share changed in round 2")
    parser.add_argument("--concurrency", dest="limit", type=int, default=100)
    args = parser.parse_args()
    # Per-poll debug lines would measure the terminal, not the poller.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(sock, args.sources, theirs), daemon=True)
    server.start()
    try:
        asyncio.run(bench(args, port, ours))
    finally:
        ours.send("stop")
        server.join(timeout=10)
        sock.close()


if __name__ == "__main__":
    main()
