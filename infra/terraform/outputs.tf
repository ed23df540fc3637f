output "stage" {
  value = var.stage
}

output "chalice_stages" {
  description = "Read by scripts/chalice_config_from_terraform.py."
  value       = module.telehealth.chalice_stages
}

output "settings" {
  value = module.telehealth.settings
}

output "service_role_arns" {
  value = module.telehealth.service_role_arns
}

output "messaging_session_role_arn" {
  value = module.telehealth.messaging_session_role_arn
}

output "lambda_function_names" {
  value = module.telehealth.lambda_function_names
}

output "user_pool_id" {
  value = module.telehealth.user_pool_id
}

output "user_pool_client_id" {
  value = module.telehealth.user_pool_client_id
}

output "state_machine_arn" {
  value = module.telehealth.state_machine_arn
}

output "app_instance_arn" {
  value = module.telehealth.app_instance_arn
}

output "sip_media_application_id" {
  value = module.telehealth.sip_media_application_id
}

output "alarms_topic_arn" {
  value = module.telehealth.alarms_topic_arn
}

output "dashboard_name" {
  value = module.telehealth.dashboard_name
}
