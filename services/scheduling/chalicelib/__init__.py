"""Domain logic of the scheduling service; app.py only parses input and calls into here."""
