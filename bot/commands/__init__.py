"""One module per `lookout` command, each exposing ``run(args) -> int``; bot.cli imports
them lazily, so a command loads only what it uses."""
