"""Fakes at the network edge, shared by every test package: web server, feeds, Telegram."""
