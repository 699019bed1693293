"""One module per `lookout` command, each imported only when that command runs.

Every module here exposes ``run(args) -> int``. Keeping them apart is what lets
``lookout check`` answer in well under a second: it never imports aiogram, SQLAlchemy
or the story code, which only ``lookout run`` and ``lookout sources`` need.
"""
