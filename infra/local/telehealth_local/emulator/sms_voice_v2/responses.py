"""End User Messaging SMS operations mapped to the backend methods that answer them (glue, no logic)."""
from __future__ import annotations

from .models import SmsVoiceBackend as BACKEND

OPERATIONS = {
    "SendTextMessage": "send_text_message",
    "DescribePhoneNumbers": "describe_phone_numbers",
    "UpdatePhoneNumber": "update_phone_number",
    "CreateConfigurationSet": "create_configuration_set",
    "DescribeConfigurationSets": "describe_configuration_sets",
    "DeleteConfigurationSet": "delete_configuration_set",
    "SetDefaultMessageType": "set_default_message_type",
    "DeleteDefaultMessageType": "delete_default_message_type",
    "SetDefaultSenderId": "set_default_sender_id",
    "DeleteDefaultSenderId": "delete_default_sender_id",
    "CreateOptOutList": "create_opt_out_list",
    "DescribeOptOutLists": "describe_opt_out_lists",
    "DeleteOptOutList": "delete_opt_out_list",
    "PutOptedOutNumber": "put_opted_out_number",
    "DescribeOptedOutNumbers": "describe_opted_out_numbers",
    "DeleteOptedOutNumber": "delete_opted_out_number",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}
