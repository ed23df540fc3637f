"""Domain logic of the messaging service; app.py only parses input and calls into here."""
