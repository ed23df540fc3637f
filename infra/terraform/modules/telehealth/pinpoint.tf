resource "aws_pinpoint_app" "this" {
  count = var.pinpoint_enabled ? 1 : 0
  name  = local.prefix
  tags  = var.tags
}

resource "aws_pinpoint_sms_channel" "this" {
  count          = var.pinpoint_enabled ? 1 : 0
  application_id = aws_pinpoint_app.this[0].application_id
  enabled        = true
  sender_id      = var.sms_sender_id != "" ? var.sms_sender_id : null
}
