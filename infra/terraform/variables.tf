variable "region" {
  description = "AWS region of the stage (one where Chime SDK PSTN audio and Pinpoint SMS are offered, e.g. us-east-1)."
  type        = string
  default     = "us-east-1"
}

variable "stage" {
  description = "Deployment stage; must match `chalice deploy --stage`."
  type        = string
  default     = "dev"
}

variable "service_functions_deployed" {
  description = "false for the first apply; true once `chalice deploy` has created the services' functions."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the user pool, the tables and the Chime app instance; set false and apply before destroying."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  type    = number
  default = 365
}

variable "lambda_tracing" {
  type    = bool
  default = true
}

variable "reminder_lead_minutes" {
  description = "Extra reminders before an appointment, in minutes."
  type        = list(number)
  default     = []
}

variable "app_instance_arn" {
  description = "Existing Chime SDK app instance to use instead of creating one."
  type        = string
  default     = ""
}

variable "sms_sender_id" {
  type    = string
  default = ""
}

variable "sms_origination_number" {
  description = "E.164 number reminders are sent from (ordered outside Terraform)."
  type        = string
  default     = ""
}

variable "pstn_enabled" {
  description = "Create the SIP media application (phone calls)."
  type        = bool
  default     = true
}

variable "phone_number" {
  description = "E.164 number (SipMediaApplicationDialIn) the calling service dials from, ordered outside Terraform."
  type        = string
  default     = ""
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "alarm_email" {
  description = "E-mail address that receives the alarms (confirm the subscription e-mail AWS sends)."
  type        = string
  default     = ""
}

variable "api_ids" {
  description = "REST API id per service after `chalice deploy` (the deploy path fills it) so the web ACL guards each stage."
  type        = map(string)
  default     = {}
}
