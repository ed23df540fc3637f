"""Pydantic models of every resource and request body of the API (docs/api/)."""
