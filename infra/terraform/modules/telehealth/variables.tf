variable "stage" {
  description = "Deployment stage (dev, prod, ...); part of every resource name: telehealth-<stage>-..."
  type        = string

  validation {
    # Chalice stage names end up in function names, and "local" belongs to the local stack.
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.stage)) && var.stage != "local"
    error_message = "stage must be 2-16 lowercase letters/digits, start with a letter, and not be \"local\"."
  }
}

variable "service_functions_deployed" {
  description = "Set to true once `chalice deploy` has created the services' Lambda functions (second apply): adds the Cognito trigger, the invoke permissions and the SIP media application."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the user pool, the tables and the Chime app instance from deletion; set to false and apply before `terraform destroy`."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of every log group this module creates."
  type        = number
  default     = 365
}

variable "lambda_tracing" {
  description = "X-Ray tracing for the bootstrap function and (through the Chalice config) the services' functions."
  type        = bool
  default     = true
}

variable "reminder_lead_minutes" {
  description = "Extra reminders before an appointment, in minutes (empty = only at the start time)."
  type        = list(number)
  default     = []

  validation {
    condition     = alltrue([for m in var.reminder_lead_minutes : m > 0 && floor(m) == m])
    error_message = "reminder_lead_minutes must be positive whole numbers."
  }
}

variable "app_instance_arn" {
  description = "Use this existing Chime SDK app instance instead of creating one with the bootstrap function (its admin must be the user telehealth-service)."
  type        = string
  default     = ""

  validation {
    condition     = var.app_instance_arn == "" || can(regex("^arn:[a-z-]+:chime:[a-z0-9-]+:[0-9]{12}:app-instance/[A-Za-z0-9-]+$", var.app_instance_arn))
    error_message = "app_instance_arn must be empty or an app instance ARN."
  }
}

variable "chime_bootstrap_function" {
  description = "Create the bootstrap function that creates the Chime SDK app instance and its admin (it is invoked only when app_instance_arn is empty)."
  type        = bool
  default     = true
}

variable "build_dir" {
  description = "Directory where the bootstrap function's zip is built (default: .build beside the root module)."
  type        = string
  default     = ""
}

variable "pinpoint_enabled" {
  description = "Create the Pinpoint app and its SMS channel (false: use pinpoint_app_id)."
  type        = bool
  default     = true
}

variable "pinpoint_app_id" {
  description = "Existing Pinpoint app id, used when pinpoint_enabled is false."
  type        = string
  default     = ""
}

variable "sms_sender_id" {
  description = "Optional SMS sender id of the Pinpoint SMS channel (only where carriers allow it)."
  type        = string
  default     = ""
}

variable "sms_origination_number" {
  description = "Optional E.164 number (ordered outside Terraform) the reminder SMS are sent from."
  type        = string
  default     = ""

  validation {
    condition     = var.sms_origination_number == "" || can(regex("^\\+[1-9][0-9]{1,14}$", var.sms_origination_number))
    error_message = "sms_origination_number must be empty or E.164 (+ and up to 15 digits)."
  }
}

variable "pstn_enabled" {
  description = "Create the SIP media application for phone calls (needs service_functions_deployed)."
  type        = bool
  default     = true
}

variable "sip_media_application_id" {
  description = "Existing SIP media application id, used when pstn_enabled is false."
  type        = string
  default     = ""
}

variable "phone_number" {
  description = "E.164 phone number (product type SipMediaApplicationDialIn, ordered outside Terraform) the calling service dials from; empty = no phone calls."
  type        = string
  default     = ""

  validation {
    condition     = var.phone_number == "" || can(regex("^\\+[1-9][0-9]{1,14}$", var.phone_number))
    error_message = "phone_number must be empty or E.164 (+ and up to 15 digits)."
  }
}

variable "jwks_url" {
  description = "Override of the JWKS URL handed to the services (the local stack only; empty = the AWS form)."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarms topic (empty: no subscription; subscribe another endpoint to the topic output)."
  type        = string
  default     = ""
}

variable "waf_rate_limit" {
  description = "Requests per client IP per 5 minutes across the APIs before WAF blocks it."
  type        = number
  default     = 2000
}

variable "waf_guarded_rate_limit" {
  description = "Requests per client IP per 5 minutes to sign-up, sign-in, confirmation and code endpoints."
  type        = number
  default     = 100
}

variable "api_ids" {
  description = "REST API id per service once `chalice deploy` has created them (the deploy path fills it); each stage gets the web ACL."
  type        = map(string)
  default     = {}
}
