# Root module for applying the stack to the local stack (127.0.0.1), used by tests/infra.
# Credentials come from the environment (AWS_ACCESS_KEY_ID=testing ...), never from here.
# Resources the local stack cannot answer are switched off by the variables below; the list
# and the reasons are in docs/deploy.md.

terraform {
  # Versions: modules/telehealth/versions.tf.
  backend "local" {}
}

provider "aws" {
  region = "us-east-1"
  # The local endpoint (a threaded dev server) sometimes closes a kept-alive connection the
  # provider is about to reuse; the SDK retries such a request when allowed more than one attempt.
  max_retries                 = 4
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    chimesdkvoice      = var.endpoint
    cloudwatch         = var.endpoint
    cloudwatchlogs     = var.endpoint
    cognitoidp         = var.endpoint
    dynamodb           = var.endpoint
    iam                = var.endpoint
    kms                = var.endpoint
    lambda             = var.endpoint
    pinpointsmsvoicev2 = var.endpoint
    sfn                = var.endpoint
    sns                = var.endpoint
    sts                = var.endpoint
    wafv2              = var.endpoint
  }
}

module "telehealth" {
  source = "../modules/telehealth"

  stage                      = var.stage
  service_functions_deployed = var.service_functions_deployed
  deletion_protection        = false
  app_instance_arn           = var.app_instance_arn
  chime_bootstrap_function   = true
  build_dir                  = var.build_dir
  sms_origination_identity   = var.sms_origination_identity
  # The sender the local stack's bootstrap verifies; grants ses:SendEmail on it as on AWS.
  email_sender             = "no-reply@clinic.example.com"
  pstn_enabled             = var.pstn_enabled
  sip_media_application_id = var.sip_media_application_id
  phone_number             = var.phone_number
  jwks_url                 = var.jwks_url
  reminder_lead_minutes    = var.reminder_lead_minutes
  first_admin_email        = "first-admin@clinic.example.com"
}
