"""The calling service's HTTP entrypoint (only /health until its issue lands)."""
from telehealth_shared.edge import TelehealthApp

app = TelehealthApp("calling")
