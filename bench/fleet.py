"""``bench.poll --processes N``: N real ``lookout run --role poller`` processes on one
PostgreSQL share the sources.

Starts a throwaway PostgreSQL (as the test suite does, `tests.postgres`), serves the
bench's feeds from a child process on one loopback address per host (127.1.x.y, five
feeds each: the real process resolves names through the system, so hosts are
addresses here), imports them with ``lookout sources import`` and starts the pollers,
each naming itself in its User-Agent through ``LOOKOUT_CONTACT_URL``. After the first
round (every source polled once) a share of the feeds changes, and three ``--interval``
are measured: per process its CPU share of one core (user + system time from /proc),
VmRSS and VmHWM, and the polls per interval the server saw from it; then the total, and
the polls against what was due: a source is due when its next check comes, which a
feed's own ``<ttl>`` puts later (two saved feeds ask for 15 and 90 minutes), so every
poll of the window met one due check, and a source overdue by more than `OVERDUE` at
the window's end (read from the database) is one that was not met; and the mean time
between two polls of one source (the server's clock): unlike the count, which depends
on where each source's polls fall against the window's edges, it says whether sources
are polled once per interval or drift later. With
``--tls`` each group of 200 host addresses has its own self-signed certificate, which the
pollers trust through ``SSL_CERT_FILE``, as an operator trusts an intranet's CA.
``--logs DIR`` keeps the pollers' logs (at ``--log-level``, WARNING by default; INFO shows
each story window's rebuild and its seconds). Figures only.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from bench.poll import Serving, self_signed
from tests.postgres import create_database, start_server

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from multiprocessing.connection import Connection

STARTED_WITHIN = 180.0
# Sources fall due spread over their jitter: several intervals average out the edges.
MEASURED_INTERVALS = 3
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
OVERDUE = 5.0
"""Seconds past its next check after which a source counts as a due check not met: a
tick each second, at a random moment of it, claims what fell due since the last."""


HOSTS_PER_GROUP = 200
"""Host addresses per 127.1.x.0/24 group, and per certificate with ``--tls``."""


def host_address(host: int) -> str:
    return f"127.1.{host // HOSTS_PER_GROUP}.{host % HOSTS_PER_GROUP + 1}"


def group_certificates(hosts: int, directory: Path) -> tuple[tuple[Path, Path], ...]:
    """One self-signed certificate per group naming its hosts' addresses: with 200 of them
    a certificate is ~3 KB, about what a real server's chain weighs."""
    certs = []
    for group in range(-(-hosts // HOSTS_PER_GROUP)):
        first = group * HOSTS_PER_GROUP
        names = ",".join(
            f"IP:{host_address(host)}" for host in range(first, min(hosts, first + HOSTS_PER_GROUP))
        )
        certs.append(self_signed(directory, names, f"group{group}"))
    return tuple(certs)


def listen_per_host(hosts: int) -> tuple[list[socket.socket], int]:
    """One listening socket per host address, all on one port."""
    socks: list[socket.socket] = []
    port = 0
    for host in range(hosts):
        sock = socket.socket()
        sock.bind((host_address(host), port))
        sock.listen(128)
        port = sock.getsockname()[1]
        socks.append(sock)
    return socks, port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def memory_mb(pid: int) -> dict[str, float]:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.MULTILINE)
    return {key: int(value) / 1024 for key, value in found}


def polls_by(control: Connection) -> dict[str, int]:
    """Requests per poller since the last call, by the name in its User-Agent."""
    control.send("agents")
    counts: dict[str, int] = control.recv()
    found: dict[str, int] = {}
    for agent, count in counts.items():
        if "+http://" in agent:
            name = agent.split("+http://")[1].split(".")[0]
            found[name] = found.get(name, 0) + count
    return found


def run_fleet(args: argparse.Namespace, serve: Callable[..., None], feeds_per_host: int) -> None:
    hosts = -(-args.sources // feeds_per_host)
    socks, port = listen_per_host(hosts)
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="lookout-fleet-") as scratch:
        certs = group_certificates(hosts, Path(scratch)) if args.tls else ()
        serving = Serving(
            args.sources,
            args.real_bodies,
            certs,
            args.server_keepalive,
            HOSTS_PER_GROUP,
            new_item=not args.comment_only,
        )
        ours, theirs = multiprocessing.Pipe()
        web = multiprocessing.Process(target=serve, args=(socks, serving, theirs), daemon=True)
        web.start()
        postgres = start_server()
        try:
            env = {
                key: value for key, value in os.environ.items() if not key.startswith("LOOKOUT_")
            }
            env |= {
                "LOOKOUT_DATABASE_URL": create_database(postgres, "lookout_bench"),
                "LOOKOUT_POLL_INTERVAL": f"{args.interval:g}",
                "LOOKOUT_ALLOW_PRIVATE_NETWORKS": "true",
            }
            if certs:
                # The pollers trust these servers as an intranet's CA is trusted.
                bundle = Path(scratch) / "bench-ca.pem"
                bundle.write_bytes(b"".join(cert.read_bytes() for cert, _key in certs))
                env["SSL_CERT_FILE"] = str(bundle)
            scheme = "https" if certs else "http"
            listing = Path(scratch) / "sources.yaml"
            listing.write_text(
                "sources:\n"
                + "".join(
                    f"  - {scheme}://{host_address(n // feeds_per_host)}:{port}/feed/{n}\n"
                    for n in range(args.sources)
                )
            )
            lookout = str(Path(sys.executable).parent / "lookout")
            started = time.perf_counter()
            subprocess.run(  # noqa: S603 -- this environment's own console script
                [lookout, "sources", "import", str(listing)],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            print(f"imported {args.sources} sources in {time.perf_counter() - started:.0f} s")
            logs = Path(args.logs) if args.logs else Path(scratch)
            logs.mkdir(parents=True, exist_ok=True)
            for k in range(args.processes):
                log = (logs / f"p{k}.log").open("wb")
                processes.append(
                    subprocess.Popen(  # noqa: S603 -- as above
                        [lookout, "--log-level", args.log_level, "run", "--role", "poller"],
                        env=env | {"LOOKOUT_CONTACT_URL": f"http://p{k}.bench"},
                        cwd=scratch,
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                    )
                )
            try:
                measure(args, processes, ours, env["LOOKOUT_DATABASE_URL"])
            except SystemExit:
                for k in range(args.processes):
                    tail = (logs / f"p{k}.log").read_text(errors="replace")[-1500:]
                    print(f"p{k} log:\n{tail}", file=sys.stderr)
                raise
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
            postgres.executor.stop()
            ours.send("stop")
            web.join(timeout=10)
            for sock in socks:
                sock.close()


def overdue(database_url: str) -> int:
    """Active sources whose next check passed more than `OVERDUE` seconds ago."""
    with psycopg.connect(database_url.replace("+asyncpg", "")) as connection:
        row = connection.execute(
            "SELECT count(*) FROM sources WHERE state = 'active'"
            " AND next_check_at < now() - make_interval(secs => %s)",
            (OVERDUE,),
        ).fetchone()
    return int(row[0]) if row else 0


def measure(
    args: argparse.Namespace,
    processes: list[subprocess.Popen[bytes]],
    control: Connection,
    database_url: str,
) -> None:
    # First round: every source polled once (the import already fetched each once).
    polls_by(control)
    deadline = time.monotonic() + STARTED_WITHIN + 2 * args.interval
    seen = 0
    while seen < args.sources:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {seen} of {args.sources} polled in the first round")
        time.sleep(1)
        seen += sum(polls_by(control).values())
    control.send(str(int(args.sources * args.changed)))
    control.recv()
    polls_by(control)
    control.send("periods")
    control.recv()
    before = [cpu_seconds(process.pid) for process in processes]
    started = time.monotonic()
    time.sleep(MEASURED_INTERVALS * args.interval)
    elapsed = time.monotonic() - started
    after = [cpu_seconds(process.pid) for process in processes]
    missed = overdue(database_url)
    intervals = elapsed / args.interval
    counted = polls_by(control)
    control.send("periods")
    periods: list[float] = control.recv()
    polls = {name: round(count / intervals) for name, count in counted.items()}
    print(
        f"{args.processes} pollers, {args.sources} sources every {args.interval:g} s, "
        f"PostgreSQL, {'HTTPS' if args.tls else 'plain HTTP'}; {elapsed:.0f} s measured, "
        "polls per interval:"
    )
    for k, process in enumerate(processes):
        share = (after[k] - before[k]) / elapsed
        memory = memory_mb(process.pid)
        print(
            f"  p{k}: {polls.get(f'p{k}', 0)} polls, CPU {share:.0%} of one core, "
            f"VmRSS {memory['VmRSS']:.0f} MB, VmHWM {memory['VmHWM']:.0f} MB"
        )
    total_cpu = sum(after) - sum(before)
    total = sum(polls.values())
    polled = sum(counted.values())
    print(
        f"  all: {total} polls per interval, CPU {total_cpu / elapsed:.0%} of one core, "
        f"{total_cpu / max(polled, 1) * 1000:.2f} s per 1,000 polls"
    )
    print(
        f"  due checks met: {polled} polls in the window, {missed} sources overdue by more "
        f"than {OVERDUE:g} s at its end: {polled / max(polled + missed, 1):.2%} of what was due"
    )
    if periods:
        mean = statistics.fmean(periods)
        print(
            f"  per source, between its polls: mean {mean:.1f} s, median "
            f"{statistics.median(periods):.1f} s, so {args.interval / mean:.1%} of an interval's "
            f"polls ({len(periods)} sources polled twice or more)"
        )
