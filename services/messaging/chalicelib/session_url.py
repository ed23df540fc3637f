"""Builds the caller's real-time messaging session URL: the Chime messaging session endpoint's
/connect, SigV4 query-presigned for the caller's own AppInstanceUser, valid for seconds."""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_aws_failure, translate
from telehealth_shared.chime_channel import user_arn
from telehealth_shared.config import Settings
from telehealth_shared.models.messaging import SessionResponse


# The deployment setting naming the role presigning assumes (see session_credentials()).
SESSION_ROLE_ENV = "TELEHEALTH_SESSION_ROLE_ARN"
# Long enough for a slow mobile client to open the socket, short enough that a leaked URL is
# useless soon (amazon-chime-sdk-js itself signs with 10 s). Only the connect is checked:
# an open session outlives it, as on AWS.
URL_EXPIRES_SECONDS = 30
# AssumeRole's minimum; the URL dies long before the credentials do.
ROLE_SESSION_SECONDS = 900
# The endpoint is fixed per account and region; re-asking now and then follows a change.
ENDPOINT_TTL_SECONDS = 3600
SIGNING_SERVICE = "chime"
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
_ROLE_SESSION_NAME_UNSAFE = re.compile(r"[^\w+=,.@-]")

_endpoints: "weakref.WeakKeyDictionary[AwsClients, tuple[str, float]]" = weakref.WeakKeyDictionary()
_endpoints_lock = threading.Lock()
_service_session: Any = None


@audit_action("session.create", resource_type="user", resource_arg=None)
def create_session(clients: AwsClients, settings: Settings, principal: Principal) -> SessionResponse:
    """AWS calls: GetMessagingSessionEndpoint (once an hour per process), plus AssumeRole when
    a session role is configured."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    arn = user_arn(settings, principal.user_id)
    host = messaging_endpoint(clients)
    credentials = session_credentials(clients, settings, arn, principal.user_id)
    query = urlencode({"userArn": arn, "sessionId": str(uuid.uuid4())})
    # Signed for wss:// as the Chime SDK clients open it; the scheme is not part of a SigV4
    # signature, so the same signature holds for the local stack's plain ws:// server.
    request = AWSRequest(method="GET", url=f"wss://{host}/connect?{query}")
    SigV4QueryAuth(credentials, SIGNING_SERVICE, settings.region, expires=URL_EXPIRES_SECONDS).add_auth(request)
    signed_at = datetime.strptime(request.context["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    url = request.url
    if _hostname(host) in _LOCAL_HOSTS:
        url = "ws://" + url.removeprefix("wss://")
    return SessionResponse(websocket_url=url, app_instance_user_arn=arn,
                           expires_at=signed_at + timedelta(seconds=URL_EXPIRES_SECONDS))


def messaging_endpoint(clients: AwsClients) -> str:
    """`host[:port]` of the messaging session endpoint, cached per client set."""
    now = time.monotonic()
    with _endpoints_lock:
        cached = _endpoints.get(clients)
    if cached is not None and now - cached[1] < ENDPOINT_TTL_SECONDS:
        return cached[0]
    try:
        response = clients.chime_messaging.get_messaging_session_endpoint()
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    url = response["Endpoint"]["Url"]
    # Chime answers with a bare host; accept a scheme and a trailing slash too.
    host = re.sub(r"^[a-z]+://", "", url).rstrip("/")
    with _endpoints_lock:
        _endpoints[clients] = (host, now)
    return host


def session_role_arn(settings: Settings) -> str | None:
    return settings.session_role_arn


def session_credentials(clients: AwsClients, settings: Settings, arn: str, user_id: str) -> Any:
    """The credentials the URL is signed with.

    With a session role configured: temporary credentials from AssumeRole whose inline
    session policy allows only `chime:Connect` on this user's AppInstanceUser, so what the URL
    carries (access key id, session token) cannot be used for anything else, even by someone
    who also got the secret. Without one: the service's own credentials (on Lambda, the
    function role's temporary credentials; in the local stack, the static test keys); the URL
    still carries no secret, but its token belongs to a role that can do more than connect.
    """
    from botocore.credentials import Credentials

    role_arn = session_role_arn(settings)
    if role_arn is None:
        return _service_credentials()
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "chime:Connect", "Resource": arn}]}
    try:
        response = clients.sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=_role_session_name(user_id),
            Policy=json.dumps(policy, separators=(",", ":")),
            DurationSeconds=ROLE_SESSION_SECONDS,
        )
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    issued = response["Credentials"]
    return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])


def _service_credentials() -> Any:
    global _service_session
    if _service_session is None:
        import botocore.session

        _service_session = botocore.session.get_session()
    credentials = _service_session.get_credentials()
    if credentials is None:
        from telehealth_shared.errors import ConfigurationError

        raise ConfigurationError("no AWS credentials to sign messaging session URLs with")
    # Frozen: refreshable role credentials must not rotate between the key and the token.
    return credentials.get_frozen_credentials()


def _role_session_name(user_id: str) -> str:
    return ("messaging-" + _ROLE_SESSION_NAME_UNSAFE.sub("-", user_id))[:64]


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
