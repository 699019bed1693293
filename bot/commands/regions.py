"""`lookout regions [QUERY] [--lang en|ru|uk]`: region keys and their names.

Prints one line per region, ``key<TAB>name``, the name in the chosen language: every
region without a query, else the regions the query names or that contain it (see
``rules.regionlist``). Reads only the packaged gazetteer; exits 0.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rules.gazetteer import Gazetteer
from rules.regionlist import find_regions

if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    gazetteer = Gazetteer.load()
    for row in find_regions(gazetteer, args.query or "", args.lang):
        sys.stdout.write(f"{row.key}\t{row.name}\n")
    return 0
