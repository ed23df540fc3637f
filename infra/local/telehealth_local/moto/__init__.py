"""Moto as the local stack serves it: the WSGI app, our fixes to its behaviour, and the operations it lacks."""
