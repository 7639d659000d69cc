"""Sending simulations: rendering the messages (with their QR codes), the SMTP side, and the
outbox worker that sends each message exactly once."""
