# The SIP media application must point at an existing function, so it is created by the
# second apply, after `chalice deploy` of the calling service (see docs/deploy.md).
# Chime's permission to invoke the handler is in lambda_permissions.tf.

resource "aws_chimesdkvoice_sip_media_application" "this" {
  count      = local.create_sma ? 1 : 0
  name       = "${local.prefix}-sma"
  aws_region = local.region

  endpoints {
    lambda_arn = local.sma_handler_function_arn
  }

  tags = var.tags

  depends_on = [aws_lambda_permission.this]
}

# Routes calls to the number into the same handler (which apologises and hangs up on calls
# it did not place), so a patient calling back does not reach a dead line.
resource "aws_chimesdkvoice_sip_rule" "inbound" {
  count         = local.create_sma && var.phone_number != "" ? 1 : 0
  name          = "${local.prefix}-inbound"
  trigger_type  = "ToPhoneNumber"
  trigger_value = var.phone_number

  target_applications {
    aws_region               = local.region
    priority                 = 1
    sip_media_application_id = aws_chimesdkvoice_sip_media_application.this[0].id
  }
}
