# The shared AWS resources of one stage; the services' Lambda functions come from `chalice deploy`.
module "telehealth" {
  source = "./modules/telehealth"

  stage                      = var.stage
  service_functions_deployed = var.service_functions_deployed
  deletion_protection        = var.deletion_protection
  log_retention_days         = var.log_retention_days
  lambda_tracing             = var.lambda_tracing
  reminder_lead_minutes      = var.reminder_lead_minutes
  app_instance_arn           = var.app_instance_arn
  sms_sender_id              = var.sms_sender_id
  sms_origination_number     = var.sms_origination_number
  pstn_enabled               = var.pstn_enabled
  phone_number               = var.phone_number
  alarm_email                = var.alarm_email
  api_ids                    = var.api_ids
}
