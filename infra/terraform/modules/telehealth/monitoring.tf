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

# A reminder that failed or timed out is a patient who was not told: any one is worth a look.
resource "aws_cloudwatch_metric_alarm" "reminders" {
  for_each            = toset(["ExecutionsFailed", "ExecutionsTimedOut"])
  alarm_name          = "${local.prefix}-reminders-${each.key}"
  alarm_description   = "Reminder executions ${each.key} (redrive: docs/deploy.md, Alarms)."
  namespace           = "AWS/States"
  metric_name         = each.key
  dimensions          = local.reminder_sfn_metric
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
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

# 5XXError's average is the share of requests that failed.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  for_each            = local.api_names
  alarm_name          = "${local.prefix}-${each.key}-5xx-rate"
  alarm_description   = "More than 5% of ${each.key} requests answered 5xx for 10 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = each.value, Stage = var.stage }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  threshold           = 0.05
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  tags                = var.tags
}

# Emitted by the services (CloudWatch embedded metric format) when End User Messaging refuses a text.
resource "aws_cloudwatch_metric_alarm" "sms_failures" {
  for_each            = toset(["scheduling", "identity"])
  alarm_name          = "${local.prefix}-${each.key}-sms-send-failures"
  alarm_description   = "Texts (${each.key == "scheduling" ? "reminders, guest codes" : "phone verification codes"}) that End User Messaging SMS did not accept."
  namespace           = local.metrics_namespace
  metric_name         = "SmsFailed"
  dimensions          = { service = each.key }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each            = { for pair in setproduct(local.alarm_tables, ["ReadThrottleEvents", "WriteThrottleEvents"]) : "${pair[0]}-${pair[1]}" => pair }
  alarm_name          = "${local.prefix}-${each.key}"
  alarm_description   = "DynamoDB ${each.value[1]} on ${local.prefix}-${each.value[0]}."
  namespace           = "AWS/DynamoDB"
  metric_name         = each.value[1]
  dimensions          = { TableName = aws_dynamodb_table.this[each.value[0]].name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "waf_blocks" {
  alarm_name          = "${local.prefix}-waf-blocked-requests"
  alarm_description   = "The web ACL blocked more than 100 requests in 5 minutes (an attack or a misbehaving client)."
  namespace           = "AWS/WAFV2"
  metric_name         = "BlockedRequests"
  dimensions          = { WebACL = aws_wafv2_web_acl.api.name, Region = local.region, Rule = "ALL" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 100
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  tags                = var.tags
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
