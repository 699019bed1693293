"""The database: engine and sessions, the models (one table each), migrations, the
search document of a post's words (`lemmas`), and the advisory locks that let several
processes share one PostgreSQL. Every other room imports this one; it imports none."""
