"""Pydantic models of every resource and request body in API.md."""
