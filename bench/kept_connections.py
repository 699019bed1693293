"""What one kept (idle) connection costs a poller: memory, and the CPU it saves.

    .venv/bin/python -m bench.kept_connections [--hosts 2000] [--tls] [--real-bodies]
                                               [--repeat 3]

A web server in a child process (as in `bench.poll`) serves one feed per host name, all
resolved to 127.0.0.1. A fresh process polls every host once, then once more with the
validators of the first poll (mostly 304s, as in service), and reads its resident memory
(VmRSS) with the connections still open. It does so twice, alternated: with the
fetcher keeping one connection per host, and with a fetcher that keeps none (a new
connection, and with ``--tls`` a handshake, for every poll). The difference in memory over
``--hosts`` is what one kept connection holds (Python objects of httpcore, h11, anyio and
asyncio, and OpenSSL's buffers and session); the second polls' process time per 1,000
polls is what keeping saves in CPU. With ``--real-bodies`` the first answer of each host
is a saved real feed (5-190 KB), so buffers kept after a large answer show. ``--repeat``
pairs (median and spread). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import socket
import ssl
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from bench.poll import PER_HOST_LIMIT, Serving, peak_rss_mb, resolve, self_signed, serve
from monitors.fetcher import KEEP_IDLE, Fetcher, Validators
from monitors.guard import GuardedBackend, GuardedTransport
from monitors.locator import SourceRef
from monitors.poll import poll
from monitors.pools import idle_host_bound

CONCURRENCY = 100


def fetcher(cert: Path | None, *, keep: bool) -> Fetcher:
    transport = GuardedTransport(
        GuardedBackend(allow_private_networks=True, resolver=resolve),
        per_host=PER_HOST_LIMIT,
        keepalive_expiry=KEEP_IDLE,
        # No host kept: every poll on a connection of its own, closed after its answer.
        max_hosts=idle_host_bound() if keep else 0,
        ssl_context=ssl.create_default_context(cafile=str(cert)) if cert else None,
    )
    return Fetcher(
        allow_private_networks=True,
        resolver=resolve,
        transport=transport,
        per_host_limit=PER_HOST_LIMIT,
    )


async def poll_all(fetcher: Fetcher, refs: list[SourceRef], validators: list[Validators]) -> None:
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        async with slots:
            result = await poll(fetcher, refs[n], validators[n])
        if result.error is not None:
            raise SystemExit(f"{refs[n].locator}: {result.error}")
        validators[n] = result.validators

    await asyncio.gather(*(one(n) for n in range(len(refs))))


async def measure(args: argparse.Namespace, port: int, cert: Path | None, *, keep: bool) -> Row:
    scheme = "https" if cert is not None else "http"
    # One feed per host: the server's source number is the host's.
    refs = [
        SourceRef("feed", f"{scheme}://h{n}.bench.test:{port}/feed/{n}") for n in range(args.hosts)
    ]
    validators = [Validators()] * args.hosts
    async with fetcher(cert, keep=keep) as polling:
        await poll_all(polling, refs, validators)
        cpu = time.process_time()
        # Validators from the first poll, as in service: mostly 304s.
        await poll_all(polling, refs, validators)
        cpu = time.process_time() - cpu
        gc.collect()
        return Row(peak_rss_mb("VmRSS"), cpu / args.hosts * 1000)


@dataclass(frozen=True)
class Row:
    resident: float
    cpu: float


def in_child(args: argparse.Namespace, port: int, cert: Path | None, keep: bool) -> Row:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(measure(args, port, cert, keep=keep))


def spread(name: str, values: list[float], unit: str) -> None:
    print(
        f"{name}: median {statistics.median(values):.2f} {unit} "
        f"(min {min(values):.2f}, max {max(values):.2f}; {len(values)} runs)"
    )


def bench(args: argparse.Namespace, port: int, cert: Path | None) -> None:
    kept: list[Row] = []
    unkept: list[Row] = []
    context = multiprocessing.get_context("spawn")
    for number in range(1, args.repeat + 1):
        # Alternated, each in a fresh process, so the two see the same load and heap.
        for keep, rows in ((True, kept), (False, unkept)):
            with context.Pool(1) as pool:
                row = pool.apply(in_child, (args, port, cert, keep))
            rows.append(row)
            print(
                f"run {number}, {'kept' if keep else 'not kept'}: VmRSS {row.resident:.1f} MB, "
                f"CPU {row.cpu:.2f} s per 1,000 polls"
            )
    per_connection = [
        (a.resident - b.resident) * 1024 / args.hosts for a, b in zip(kept, unkept, strict=True)
    ]
    spread("resident memory per kept connection", per_connection, "KB")
    spread("CPU per 1,000 polls, connections kept", [row.cpu for row in kept], "s")
    spread("CPU per 1,000 polls, a new connection each", [row.cpu for row in unkept], "s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--tls", action="store_true", help="HTTPS, self-signed")
    parser.add_argument("--real-bodies", action="store_true", help="the saved real feeds")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="lookout-bench-") as scratch:
        cert = self_signed(Path(scratch)) if args.tls else None
        serving = Serving(args.hosts, args.real_bodies, (cert,) if cert else (), 600.0)
        ours, theirs = multiprocessing.Pipe()
        server = multiprocessing.Process(target=serve, args=([sock], serving, theirs), daemon=True)
        server.start()
        try:
            bench(args, port, cert[0] if cert else None)
        finally:
            ours.send("stop")
            server.join(timeout=10)
            sock.close()


if __name__ == "__main__":
    main()
