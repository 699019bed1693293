"""From a due source to stored posts and queued alerts: the poll loop (`poller`, with
`leases` so processes share sources), each result recorded in one transaction
(`pipeline`) against the rule book and the story window (`rulebook`, `storybook`), and
the source's health and schedule (`health`, `schedule`, `failures`)."""
