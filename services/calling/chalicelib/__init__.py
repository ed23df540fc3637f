"""Domain logic of the calling service; app.py only parses input and calls into here."""
