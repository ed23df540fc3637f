"""The identity service's HTTP entrypoint (routes filled in by the identity work)."""
from telehealth_shared.edge import TelehealthApp

app = TelehealthApp("identity")
