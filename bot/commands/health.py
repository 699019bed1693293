"""``lookout health``: ask the Lookout running on this machine for its ``/healthz``.

For container and supervisor health checks: exit 0 when it answers 200, 1 otherwise
(503, no answer, or ``LOOKOUT_HTTP_PORT`` unset), with the answer on stdout. Standard
library only, so a check every few seconds costs little.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from bot.commands.common import EXIT_FAILURE, CommandFailed

if TYPE_CHECKING:
    import argparse

TIMEOUT = 5.0


def run(_args: argparse.Namespace) -> int:
    port = os.environ.get("LOOKOUT_HTTP_PORT")
    if not port or not port.isdigit():
        raise CommandFailed("LOOKOUT_HTTP_PORT is not set: the health page is off")
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # fixed http URL
            sys.stdout.write(response.read().decode() + "\n")
    except urllib.error.HTTPError as exc:
        sys.stdout.write(exc.read().decode() + "\n")
        return EXIT_FAILURE
    except (urllib.error.URLError, TimeoutError) as exc:
        raise CommandFailed(f"no answer from {url}: {exc}") from exc
    return 0
