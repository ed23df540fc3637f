variable "endpoint" {
  description = "The local stack's AWS endpoint."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "stage" {
  description = "A stage of its own, so the apply never touches the local stack's telehealth-local-* resources."
  type        = string
  default     = "tflocal"
}

variable "service_functions_deployed" {
  type    = bool
  default = false
}

variable "app_instance_arn" {
  description = "The local stack creates the app instance itself (the bootstrap function cannot run locally)."
  type        = string
  default     = "arn:aws:chime:us-east-1:123456789012:app-instance/00000000-0000-4000-8000-000000000000"
}

variable "build_dir" {
  type    = string
  default = ""
}

variable "sms_origination_identity" {
  description = "Registered outside Terraform, as on AWS (the local stack's bootstrap registers its own)."
  type        = string
  default     = "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-00000000000000000000000000000000"
}

variable "pstn_enabled" {
  type    = bool
  default = false
}

variable "sip_media_application_id" {
  type    = string
  default = "00000000-0000-4000-8000-000000000001"
}

variable "phone_number" {
  type    = string
  default = "+15550100000"
}

variable "jwks_url" {
  type    = string
  default = ""
}

variable "reminder_lead_minutes" {
  type    = list(number)
  default = [60]
}
