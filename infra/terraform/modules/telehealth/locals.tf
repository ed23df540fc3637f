data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  prefix     = "telehealth-${var.stage}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  build_dir  = var.build_dir != "" ? var.build_dir : "${path.root}/.build"

  # The same files the local stack reads, so both create identical resources.
  definitions_dir = "${path.module}/../../../resources"
  tables          = { for key, table in jsondecode(file("${local.definitions_dir}/tables.json")) : key => table if key != "_comment" }
  user_pool       = jsondecode(file("${local.definitions_dir}/user_pool.json"))
  asl_file        = "${path.module}/../../../statemachine/reminders.asl.json"

  services = ["identity", "scheduling", "messaging", "calling"]

  # Chalice names the API handler <app>-<stage> and each @app.lambda_function <app>-<stage>-<name>.
  # Terraform must know these names before Chalice deploys them (the cycle is broken by
  # predictable names), so a new handler in a service's app.py is added here too.
  service_handlers = {
    identity   = ["post_confirmation"]
    scheduling = ["send_reminder"]
    messaging  = []
    calling    = ["sma_handler"]
  }
  service_function_names = {
    for service in local.services : service => concat(
      ["telehealth-${service}-${var.stage}"],
      [for handler in local.service_handlers[service] : "telehealth-${service}-${var.stage}-${handler}"],
    )
  }
  lambda_arn_prefix          = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function"
  post_confirmation_function = "telehealth-identity-${var.stage}-post_confirmation"
  send_reminder_function     = "telehealth-scheduling-${var.stage}-send_reminder"
  sma_handler_function       = "telehealth-calling-${var.stage}-sma_handler"
  send_reminder_function_arn = "${local.lambda_arn_prefix}:${local.send_reminder_function}"
  sma_handler_function_arn   = "${local.lambda_arn_prefix}:${local.sma_handler_function}"

  tables_arns  = { for key, table in aws_dynamodb_table.this : key => table.arn }
  index_arns   = { for key, table in aws_dynamodb_table.this : key => "${table.arn}/index/*" }
  log_arn_base = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group"

  app_instance_arn       = var.app_instance_arn != "" ? var.app_instance_arn : jsondecode(aws_lambda_invocation.chime_app_instance[0].result).app_instance_arn
  app_instance_admin_arn = "${local.app_instance_arn}/user/${local.app_instance_admin_id}"
  app_instance_admin_id  = "telehealth-service"

  create_sma = var.pstn_enabled && var.service_functions_deployed
  sip_media_application_id = (
    local.create_sma ? aws_chimesdkvoice_sip_media_application.this[0].id : var.sip_media_application_id
  )
}
