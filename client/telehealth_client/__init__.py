"""A typed Python client for the four telehealth services and the local stack's control API."""
from .errors import ApiError
from .client import ServiceUrls, TelehealthClient

__all__ = ["ApiError", "ServiceUrls", "TelehealthClient"]
