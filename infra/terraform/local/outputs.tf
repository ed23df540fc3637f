output "stage" {
  value = var.stage
}

output "chalice_stages" {
  value = module.telehealth.chalice_stages
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

output "state_machine_arn" {
  value = module.telehealth.state_machine_arn
}

output "state_machine_definition" {
  value = module.telehealth.state_machine_definition
}

output "user_pool_id" {
  value = module.telehealth.user_pool_id
}

output "user_pool_arn" {
  value = module.telehealth.user_pool_arn
}

output "table_names" {
  value = module.telehealth.table_names
}

output "kms_key_arn" {
  value = module.telehealth.kms_key_arn
}

output "sms_configuration_set_arn" {
  value = module.telehealth.sms_configuration_set_arn
}

output "sms_opt_out_list_arn" {
  value = module.telehealth.sms_opt_out_list_arn
}
