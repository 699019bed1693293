"""The outbox table and its only writer: what is due to be sent and what became of it
(`queue`), what ingest puts in — alerts, replies with changed facts, revisions
(`intake`) —, sent alerts whose story grew since (`edits`), and a chat's entries moving
to its supergroup (`transfer`). Code elsewhere calls these; a test holds it so."""
