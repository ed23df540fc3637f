"""SES v2 operations mapped to the backend methods that answer them (glue, no logic)."""
from __future__ import annotations

from .models import SesBackend as BACKEND

OPERATIONS = {
    "CreateEmailIdentity": "create_email_identity",
    "GetEmailIdentity": "get_email_identity",
    "DeleteEmailIdentity": "delete_email_identity",
    "SendEmail": "send_email",
}
