locals {
  # Rendered from the file the local stack also renders (tests compare the two).
  state_machine_definition = templatefile(local.asl_file, {
    send_reminder_function_arn = local.send_reminder_function_arn
  })
  state_machine_name = "${local.prefix}-reminders"
}

resource "aws_sfn_state_machine" "reminders" {
  #checkov:skip=CKV_AWS_285:Execution data holds appointment details (PHI); state transitions are still logged.
  name       = local.state_machine_name
  type       = "STANDARD"
  role_arn   = aws_iam_role.state_machine.arn
  definition = local.state_machine_definition

  logging_configuration {
    log_destination = "${aws_cloudwatch_log_group.this["state_machine"].arn}:*"
    level           = "ALL"
    # Execution input and results name patients and appointments: keep them out of the logs.
    include_execution_data = false
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]
}

resource "aws_iam_role" "state_machine" {
  name               = "${local.prefix}-reminders-state-machine"
  assume_role_policy = local.trust_policies["states"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name = "reminders"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeSendReminder"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [local.send_reminder_function_arn, "${local.send_reminder_function_arn}:*"]
      },
      {
        # Log delivery and X-Ray take no resource-level permissions (Resource must be "*").
        Sid    = "DeliverLogsAndTraces"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ]
        Resource = "*"
      },
    ]
  })
}
