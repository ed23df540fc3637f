# The stage's settings, each passed to the module's variable of the same name, which checks it
# (modules/telehealth/variables.tf: validations and the longer descriptions).

variable "region" {
  description = "AWS region of the stage (one where End User Messaging SMS and, if used, Chime SDK PSTN audio are offered, e.g. us-east-1)."
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

variable "sms_origination_identity" {
  description = "ARN of the End User Messaging SMS phone number texts are sent from, registered outside Terraform (docs/deploy.md)."
  type        = string
  default     = ""
}

variable "pstn_enabled" {
  description = "Phone calls through Chime SDK PSTN audio, in maintenance mode: true only for an account that has it (docs/deploy.md)."
  type        = bool
  default     = false
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

variable "first_admin_email" {
  description = "The first clinic admin's e-mail address (empty = none)."
  type        = string
  default     = ""
}

variable "email_sender" {
  description = "SES-verified address the identity service sends invitation e-mails from."
  type        = string
  default     = ""
}

variable "console_origin" {
  description = "Where the web console is served from: the one origin the APIs allow (CORS)."
  type        = string
  default     = "http://127.0.0.1:8000"
}

variable "no_show_minutes" {
  description = "Minutes after the start when an absent patient is marked no-show (0 = off)."
  type        = number
  default     = 15
}
