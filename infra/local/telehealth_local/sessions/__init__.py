"""Messaging sessions: the websocket server behind GetMessagingSessionEndpoint."""
from .server import SessionServer, start_session_server

__all__ = ["SessionServer", "start_session_server"]
