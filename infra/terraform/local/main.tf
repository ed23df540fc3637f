# Root module for applying the stack to the local stack (127.0.0.1), used by tests/infra.
# Credentials come from the environment (AWS_ACCESS_KEY_ID=testing ...), never from here.
# Resources the local stack cannot answer are switched off by the variables below; the list
# and the reasons are in docs/deploy.md.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  backend "local" {}
}

provider "aws" {
  region                      = "us-east-1"
  max_retries                 = 1
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    chimesdkvoice  = var.endpoint
    cloudwatch     = var.endpoint
    cloudwatchlogs = var.endpoint
    cognitoidp     = var.endpoint
    dynamodb       = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    pinpoint       = var.endpoint
    sfn            = var.endpoint
    sns            = var.endpoint
    sts            = var.endpoint
    wafv2          = var.endpoint
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
  pinpoint_enabled           = var.pinpoint_enabled
  pinpoint_app_id            = var.pinpoint_app_id
  pstn_enabled               = var.pstn_enabled
  sip_media_application_id   = var.sip_media_application_id
  phone_number               = var.phone_number
  jwks_url                   = var.jwks_url
  reminder_lead_minutes      = var.reminder_lead_minutes
}
