locals {
  # docs/architecture.md "Settings". AWS_REGION is absent on purpose: Lambda sets it and
  # rejects functions whose configuration sets it.
  settings = { for key, value in {
    TELEHEALTH_STAGE                    = var.stage
    TELEHEALTH_USER_POOL_ID             = aws_cognito_user_pool.this.id
    TELEHEALTH_USER_POOL_CLIENT_ID      = aws_cognito_user_pool_client.app.id
    TELEHEALTH_JWKS_URL                 = var.jwks_url
    TELEHEALTH_APP_INSTANCE_ARN         = local.app_instance_arn
    TELEHEALTH_APP_INSTANCE_ADMIN_ARN   = local.app_instance_admin_arn
    TELEHEALTH_APPOINTMENTS_TABLE       = aws_dynamodb_table.this["appointments"].name
    TELEHEALTH_CALLS_TABLE              = aws_dynamodb_table.this["calls"].name
    TELEHEALTH_AUDIT_TABLE              = aws_dynamodb_table.this["audit"].name
    TELEHEALTH_STATE_MACHINE_ARN        = aws_sfn_state_machine.reminders.arn
    TELEHEALTH_PINPOINT_APP_ID          = local.pinpoint_app_id
    TELEHEALTH_SMS_ORIGINATION_NUMBER   = var.sms_origination_number
    TELEHEALTH_SIP_MEDIA_APPLICATION_ID = local.sip_media_application_id
    TELEHEALTH_PHONE_NUMBER             = var.phone_number
    TELEHEALTH_REMINDER_LEAD_MINUTES    = join(",", [for m in var.reminder_lead_minutes : tostring(m)])
    TELEHEALTH_SESSION_ROLE_ARN         = aws_iam_role.messaging_session.arn
  } : key => value if value != "" }
}

output "settings" {
  description = "Environment variables of every service (docs/architecture.md)."
  value       = local.settings
}

output "chalice_stages" {
  description = "Per service: what scripts/chalice_config_from_terraform.py writes into .chalice/config.json."
  value = { for service in local.services : service => {
    iam_role_arn          = aws_iam_role.service[service].arn
    xray                  = var.lambda_tracing
    environment_variables = local.settings
  } }
}

output "service_role_arns" {
  description = "IAM role of each service's Lambda functions."
  value       = { for service in local.services : service => aws_iam_role.service[service].arn }
}

output "messaging_session_role_arn" {
  description = "Role the messaging service assumes (with a per-user session policy) to presign websocket URLs."
  value       = aws_iam_role.messaging_session.arn
}

output "lambda_function_names" {
  description = "The function names Chalice will create per service (log groups and permissions use them)."
  value       = local.service_function_names
}

output "state_machine_arn" {
  value = aws_sfn_state_machine.reminders.arn
}

output "state_machine_definition" {
  description = "The reminders definition as rendered from infra/statemachine/reminders.asl.json."
  value       = local.state_machine_definition
}

output "user_pool_id" {
  value = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  value = aws_cognito_user_pool.this.arn
}

output "user_pool_client_id" {
  value = aws_cognito_user_pool_client.app.id
}

output "table_names" {
  value = { for key, table in aws_dynamodb_table.this : key => table.name }
}

output "app_instance_arn" {
  value = local.app_instance_arn
}

output "app_instance_admin_arn" {
  value = local.app_instance_admin_arn
}

output "pinpoint_app_id" {
  value = local.pinpoint_app_id
}

output "sip_media_application_id" {
  value = local.sip_media_application_id
}

output "kms_key_arn" {
  value = aws_kms_key.data.arn
}

output "alarms_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe paging or chat endpoints to it."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "The operations dashboard in CloudWatch."
  value       = aws_cloudwatch_dashboard.operations.dashboard_name
}
