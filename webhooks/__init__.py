"""Events in and out: the signature both ways (signing), and delivering the outbox to webhook
subscribers and to people by email (delivery, senders, dispatcher). The engine writes the outbox
in each step's transaction; this package only reads it and records how delivery went."""
