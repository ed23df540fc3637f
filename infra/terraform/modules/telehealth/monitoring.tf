# What tells an operator that the system is failing: alarms to an SNS topic (e-mail optional)
# and one dashboard with the business metrics beside the AWS ones.

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.data.arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email != "" ? 1 : 0
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  metrics_namespace   = "Telehealth/${var.stage}"
  all_function_names  = flatten([for service in local.services : local.service_function_names[service]])
  api_names           = { for service in local.services : service => "telehealth-${service}" }
  alarm_tables        = keys(local.tables)
  alarm_actions       = [aws_sns_topic.alarms.arn]
  reminder_sfn_metric = { StateMachineArn = aws_sfn_state_machine.reminders.arn }
}

# Every alarm but the per-function ones, keyed by its name after the stage prefix. All notify the
# topic when the metric is above the threshold; missing data is no alarm.
locals {
  alarms = merge(
    # A reminder that failed or timed out is a patient who was not told: any one is worth a look.
    { for metric in ["ExecutionsFailed", "ExecutionsTimedOut"] : "reminders-${metric}" => {
      description = "Reminder executions ${metric} (redrive: docs/deploy.md, Alarms).", namespace = "AWS/States"
      metric      = metric, dimensions = tomap(local.reminder_sfn_metric), statistic = "Sum", periods = 1, threshold = 0
      notify_ok   = true
    } },
    # 5XXError's average is the share of requests that failed.
    { for service, api in local.api_names : "${service}-5xx-rate" => {
      description = "More than 5% of ${service} requests answered 5xx for 10 minutes.", namespace = "AWS/ApiGateway"
      metric      = "5XXError", dimensions = tomap({ ApiName = api, Stage = var.stage }), statistic = "Average", periods = 2
      threshold   = 0.05, notify_ok = false
    } },
    # Emitted by the services (CloudWatch embedded metric format) when End User Messaging refuses a text.
    { for service, texts in { scheduling = "reminders, guest codes", identity = "phone verification codes" } :
      "${service}-sms-send-failures" => {
        description = "Texts (${texts}) that End User Messaging SMS did not accept.", namespace = local.metrics_namespace
        metric      = "SmsFailed", dimensions = tomap({ service = service }), statistic = "Sum", periods = 1, threshold = 0
        notify_ok   = false
    } },
    { for pair in setproduct(local.alarm_tables, ["ReadThrottleEvents", "WriteThrottleEvents"]) : "${pair[0]}-${pair[1]}" => {
      description = "DynamoDB ${pair[1]} on ${local.prefix}-${pair[0]}.", namespace = "AWS/DynamoDB", metric = pair[1]
      dimensions  = tomap({ TableName = aws_dynamodb_table.this[pair[0]].name }), statistic = "Sum", periods = 1
      threshold   = 0, notify_ok = false
    } },
    { "waf-blocked-requests" = {
      description = "The web ACL blocked more than 100 requests in 5 minutes (an attack or a misbehaving client).",
      namespace   = "AWS/WAFV2", metric = "BlockedRequests", statistic = "Sum", periods = 1, threshold = 100
      dimensions  = tomap({ WebACL = aws_wafv2_web_acl.api.name, Region = local.region, Rule = "ALL" }), notify_ok = false
    } },
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = "${local.prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = each.value.notify_ok ? local.alarm_actions : null
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each            = { for pair in setproduct(local.all_function_names, ["Errors", "Throttles"]) : "${pair[0]}-${pair[1]}" => pair }
  alarm_name          = each.key
  alarm_description   = "Lambda ${each.value[1]} of ${each.value[0]}."
  namespace           = "AWS/Lambda"
  metric_name         = each.value[1]
  dimensions          = { FunctionName = each.value[0] }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value[1] == "Errors" ? 5 : 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  tags                = var.tags
}

# The alarms above were one resource per kind before 2026-12-01: a stage applied then keeps them.
moved {
  from = aws_cloudwatch_metric_alarm.waf_blocks
  to   = aws_cloudwatch_metric_alarm.this["waf-blocked-requests"]
}

moved {
  from = aws_cloudwatch_metric_alarm.reminders["ExecutionsFailed"]
  to   = aws_cloudwatch_metric_alarm.this["reminders-ExecutionsFailed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.reminders["ExecutionsTimedOut"]
  to   = aws_cloudwatch_metric_alarm.this["reminders-ExecutionsTimedOut"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx["identity"]
  to   = aws_cloudwatch_metric_alarm.this["identity-5xx-rate"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx["scheduling"]
  to   = aws_cloudwatch_metric_alarm.this["scheduling-5xx-rate"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx["messaging"]
  to   = aws_cloudwatch_metric_alarm.this["messaging-5xx-rate"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx["calling"]
  to   = aws_cloudwatch_metric_alarm.this["calling-5xx-rate"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sms_failures["scheduling"]
  to   = aws_cloudwatch_metric_alarm.this["scheduling-sms-send-failures"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sms_failures["identity"]
  to   = aws_cloudwatch_metric_alarm.this["identity-sms-send-failures"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["appointments-ReadThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["appointments-ReadThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["appointments-WriteThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["appointments-WriteThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["calls-ReadThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["calls-ReadThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["calls-WriteThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["calls-WriteThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["audit-ReadThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["audit-ReadThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["audit-WriteThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["audit-WriteThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["invitations-ReadThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["invitations-ReadThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["invitations-WriteThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["invitations-WriteThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["verifications-ReadThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["verifications-ReadThrottleEvents"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dynamodb_throttles["verifications-WriteThrottleEvents"]
  to   = aws_cloudwatch_metric_alarm.this["verifications-WriteThrottleEvents"]
}

locals {
  business_metrics = [
    "AppointmentsBooked", "AppointmentsMoved", "AppointmentsCancelled", "AppointmentsCompleted", "NoShows",
    "RemindersSent", "RemindersSkipped", "RemindersFailed", "CheckIns", "MessagesSent", "MeetingsStarted",
    "PhoneCalls", "AuditEvents",
  ]
  dashboard_widgets = [
    { type = "metric", x = 0, y = 0, width = 12, height = 6, properties = {
      title   = "Visits", region = local.region, stat = "Sum", period = 300, view = "timeSeries",
      metrics = [for name in slice(local.business_metrics, 0, 5) : [local.metrics_namespace, name, "service", "scheduling"]]
    } },
    { type = "metric", x = 12, y = 0, width = 12, height = 6, properties = {
      title = "Reminders, check-ins, messages, meetings, calls", region = local.region, stat = "Sum", period = 300, view = "timeSeries",
      metrics = concat(
        [for name in slice(local.business_metrics, 5, 8) : [local.metrics_namespace, name, "service", "scheduling"]],
        [[local.metrics_namespace, "CheckIns", "service", "messaging"], [local.metrics_namespace, "MessagesSent", "service", "messaging"],
        [local.metrics_namespace, "MeetingsStarted", "service", "calling"], [local.metrics_namespace, "PhoneCalls", "service", "calling"]],
      )
    } },
    { type = "metric", x = 0, y = 6, width = 12, height = 6, properties = {
      title   = "Reminder executions", region = local.region, stat = "Sum", period = 300, view = "timeSeries",
      metrics = [for name in ["ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] : ["AWS/States", name, "StateMachineArn", aws_sfn_state_machine.reminders.arn]]
    } },
    { type = "metric", x = 12, y = 6, width = 12, height = 6, properties = {
      title   = "API 5xx rate", region = local.region, stat = "Average", period = 300, view = "timeSeries",
      metrics = [for service, api in local.api_names : ["AWS/ApiGateway", "5XXError", "ApiName", api, "Stage", var.stage]]
    } },
    { type = "metric", x = 0, y = 12, width = 12, height = 6, properties = {
      title   = "Lambda errors", region = local.region, stat = "Sum", period = 300, view = "timeSeries",
      metrics = [for name in local.all_function_names : ["AWS/Lambda", "Errors", "FunctionName", name]]
    } },
    { type = "metric", x = 12, y = 12, width = 12, height = 6, properties = {
      title   = "WAF blocked requests, audit events", region = local.region, stat = "Sum", period = 300, view = "timeSeries",
      metrics = [["AWS/WAFV2", "BlockedRequests", "WebACL", aws_wafv2_web_acl.api.name, "Region", local.region, "Rule", "ALL"]]
    } },
  ]
}

resource "aws_cloudwatch_dashboard" "operations" {
  dashboard_name = "${local.prefix}-operations"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
