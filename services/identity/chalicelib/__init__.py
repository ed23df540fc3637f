"""Domain logic of the identity service; app.py only parses input and calls into here."""
