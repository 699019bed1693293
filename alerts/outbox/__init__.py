"""What is due to be sent: alerts and notices waiting in the outbox (`queue`) and sent
alerts whose story grew since (`edits`), as the delivery worker reads and marks them."""
