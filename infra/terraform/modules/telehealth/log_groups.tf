# Every log group of the stage, encrypted with the data key and kept log_retention_days: the
# services' functions (created before Chalice deploys them, so their roles need no
# logs:CreateLogGroup), the reminders state machine, the WAF and the bootstrap function.

locals {
  log_groups = merge(
    { for name in flatten(values(local.service_function_names)) : name => "/aws/lambda/${name}" },
    {
      state_machine = "/aws/vendedlogs/states/${local.state_machine_name}"
      # WAF requires its log group's name to start with aws-waf-logs-.
      waf = "aws-waf-logs-${local.prefix}"
    },
    local.bootstrap_function_enabled ? { chime_bootstrap = "/aws/lambda/${local.bootstrap_function_name}" } : {},
  )
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = local.log_groups
  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
  tags              = var.tags
}

# Stages applied before the log groups were one resource keep theirs (the functions' keys,
# their names, stay the same).
moved {
  from = aws_cloudwatch_log_group.service
  to   = aws_cloudwatch_log_group.this
}

moved {
  from = aws_cloudwatch_log_group.state_machine
  to   = aws_cloudwatch_log_group.this["state_machine"]
}

moved {
  from = aws_cloudwatch_log_group.waf
  to   = aws_cloudwatch_log_group.this["waf"]
}

moved {
  from = aws_cloudwatch_log_group.chime_bootstrap[0]
  to   = aws_cloudwatch_log_group.this["chime_bootstrap"]
}
