"""The MediaPlacement URLs of an emulated meeting: the local media plane's when one runs, else
real-looking ones under .invalid."""
from __future__ import annotations

import secrets


def media_placement(media_endpoint: str | None, media_region: str, meeting_id: str) -> dict[str, str]:
    """`media_endpoint` is host:port of the local media plane (telehealth_local.media_link), or None."""
    mid = meeting_id
    if media_endpoint is not None:
        # The SDK appends its own query string, so the URL carries none; besides it the SDK
        # only POSTs client events to EventIngestionUrl (the media plane answers 204).
        media = media_endpoint
        return {
            "AudioHostUrl": f"{media}:3478",
            "AudioFallbackUrl": f"ws://{media}/calls/{mid}",
            "SignalingUrl": f"ws://{media}/control/{mid}",
            "TurnControlUrl": f"http://{media}/v2/turn_sessions",
            "ScreenDataUrl": f"ws://{media}/v2/screen/{mid}",
            "ScreenViewingUrl": f"ws://{media}/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id={mid}",
            "ScreenSharingUrl": f"ws://{media}/v2/screen/{mid}",
            "EventIngestionUrl": f"http://{media}/v1/client-events",
        }
    # Shaped like the real URLs but under .invalid (RFC 2606): a browser must not reach out to
    # AWS by accident.
    host = f"{media_region}.app.chime.invalid"
    return {
        "AudioHostUrl": f"{secrets.token_hex(16)}.k.m1.{host}:3478",
        "AudioFallbackUrl": f"wss://haxrp.m1.{host}:443/calls/{mid}",
        "SignalingUrl": f"wss://signal.m1.{host}/control/{mid}",
        "TurnControlUrl": f"https://turn.{host}/v2/turn_sessions",
        "ScreenDataUrl": f"wss://bitpw.m1.{host}:443/v2/screen/{mid}",
        "ScreenViewingUrl": f"wss://bitpw.m1.{host}:443/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id={mid}",
        "ScreenSharingUrl": f"wss://bitpw.m1.{host}:443/v2/screen/{mid}",
        "EventIngestionUrl": f"https://data.svc.{host}/v1/client-events",
    }
