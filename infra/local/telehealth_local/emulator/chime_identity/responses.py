"""Chime SDK identity operations this package emulates, mapped to their backend methods (glue only)."""
from .models import IdentityBackend as BACKEND

OPERATIONS = {
    "CreateAppInstance": "create_app_instance",
    "DescribeAppInstance": "describe_app_instance",
    "ListAppInstances": "list_app_instances",
    "UpdateAppInstance": "update_app_instance",
    "DeleteAppInstance": "delete_app_instance",
    "CreateAppInstanceUser": "create_app_instance_user",
    "DescribeAppInstanceUser": "describe_app_instance_user",
    "ListAppInstanceUsers": "list_app_instance_users",
    "UpdateAppInstanceUser": "update_app_instance_user",
    "DeleteAppInstanceUser": "delete_app_instance_user",
    "CreateAppInstanceAdmin": "create_app_instance_admin",
    "DescribeAppInstanceAdmin": "describe_app_instance_admin",
    "ListAppInstanceAdmins": "list_app_instance_admins",
    "DeleteAppInstanceAdmin": "delete_app_instance_admin",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}
