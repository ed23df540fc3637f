# One role per service, used by all of that service's functions (Chalice: manage_iam_role
# false + iam_role_arn). Every action is listed by name and scoped to this stage's resources;
# "*" appears only for actions that take no resource-level permissions (a test checks this
# against the AWS service authorization data).

locals {
  # Assume-role policies by the AWS service that assumes the role, with what its statement adds.
  trust_statement_extras = {
    lambda = {}
    states = { Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } } }
  }
  trust_policies = { for service, extra in local.trust_statement_extras : service => jsonencode({
    Version   = "2012-10-17"
    Statement = [merge({ Effect = "Allow", Principal = { Service = "${service}.amazonaws.com" }, Action = "sts:AssumeRole" }, extra)]
  }) }

  xray_statements = var.lambda_tracing ? [{
    Sid      = "WriteTraces"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    Resource = "*"
  }] : []

  # The policy documents live in infra/policies/, which the local stack reads too: the roles
  # it runs the services under are these. Placeholders are filled here with this stage's ARNs.
  policies_dir = "${path.module}/../../../policies"
  # <key>_table_arn for every table of infra/resources/tables.json (the bootstrap does the same).
  policy_variables = merge({ for key, arn in local.tables_arns : "${key}_table_arn" => arn }, {
    partition                    = local.partition
    region                       = local.region
    account_id                   = local.account_id
    user_pool_arn                = aws_cognito_user_pool.this.arn
    app_instance_arn             = local.app_instance_arn
    state_machine_arn            = aws_sfn_state_machine.reminders.arn
    state_machine_name           = local.state_machine_name
    sms_origination_identity_arn = var.sms_origination_identity
    sms_configuration_set_arn    = aws_pinpointsmsvoicev2_configuration_set.this.arn
    email_sender                 = var.email_sender
    sip_media_application_id     = local.sip_media_application_id
    messaging_session_role_arn   = aws_iam_role.messaging_session.arn
  })
  # Statements for optional features are left out where the feature is off.
  omitted_sids = concat(
    var.sms_origination_identity == "" ? ["SendSms"] : [],
    var.email_sender == "" ? ["SendEmail"] : [],
    local.sip_media_application_id == "" ? ["PhoneCalls"] : [],
  )
  service_statements = {
    for service in local.services : service => [
      for statement in jsondecode(templatefile("${local.policies_dir}/${service}.json", local.policy_variables)).Statement :
      statement if !contains(local.omitted_sids, try(statement.Sid, ""))
    ]
  }
}

resource "aws_iam_role" "service" {
  for_each           = toset(local.services)
  name               = "${local.prefix}-${each.key}"
  description        = "Lambda functions of the ${each.key} service (${var.stage})"
  assume_role_policy = local.trust_policies["lambda"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "service" {
  for_each = toset(local.services)
  name     = "${each.key}-service"
  role     = aws_iam_role.service[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      local.service_statements[each.key],
      [{
        # The log groups exist before Chalice deploys, so no logs:CreateLogGroup.
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [for name in local.service_function_names[each.key] : "${aws_cloudwatch_log_group.this[name].arn}:log-stream:*"]
      }],
      local.xray_statements,
    )
  })
}

resource "aws_iam_role" "messaging_session" {
  name        = "${local.prefix}-messaging-session"
  description = "Assumed by the messaging service to presign websocket URLs; narrowed per call to one AppInstanceUser"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.service["messaging"].arn }
      Action    = "sts:AssumeRole"
    }]
  })
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "messaging_session" {
  name   = "connect"
  role   = aws_iam_role.messaging_session.id
  policy = jsonencode(jsondecode(templatefile("${local.policies_dir}/messaging-session.json", local.policy_variables)))
}
