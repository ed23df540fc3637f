# The shared AWS resources of one stage; the services' Lambda functions come from `chalice deploy`.
module "telehealth" {
  source = "./modules/telehealth"

  stage                      = var.stage
  service_functions_deployed = var.service_functions_deployed
  deletion_protection        = var.deletion_protection
  log_retention_days         = var.log_retention_days
  lambda_tracing             = var.lambda_tracing
  reminder_lead_minutes      = var.reminder_lead_minutes
  no_show_minutes            = var.no_show_minutes
  app_instance_arn           = var.app_instance_arn
  sms_origination_identity   = var.sms_origination_identity
  pstn_enabled               = var.pstn_enabled
  phone_number               = var.phone_number
  first_admin_email          = var.first_admin_email
  email_sender               = var.email_sender
  alarm_email                = var.alarm_email
  api_ids                    = var.api_ids
  console_origin             = var.console_origin
}
