# The AWS services that invoke the services' functions directly (API Gateway's permissions come
# from `chalice deploy`). Each exists once its function does, after `chalice deploy`.

locals {
  lambda_permissions = merge(
    var.service_functions_deployed ? {
      cognito_post_confirmation = {
        statement_id  = "CognitoPostConfirmation"
        function_name = local.post_confirmation_function
        principal     = "cognito-idp.amazonaws.com"
        source_arn    = aws_cognito_user_pool.this.arn
      }
    } : {},
    # Chime invokes the handler as voiceconnector.chime.amazonaws.com. The permission is scoped to
    # this account rather than to the SMA's ARN because it has to exist before the SMA does.
    local.create_sma ? {
      sma_handler = {
        statement_id  = "ChimeSipMediaApplication"
        function_name = local.sma_handler_function
        principal     = "voiceconnector.chime.amazonaws.com"
        source_arn    = null
      }
    } : {},
  )
}

resource "aws_lambda_permission" "this" {
  for_each       = local.lambda_permissions
  statement_id   = each.value.statement_id
  action         = "lambda:InvokeFunction"
  function_name  = each.value.function_name
  principal      = each.value.principal
  source_arn     = each.value.source_arn
  source_account = local.account_id
}

moved {
  from = aws_lambda_permission.cognito_post_confirmation[0]
  to   = aws_lambda_permission.this["cognito_post_confirmation"]
}

moved {
  from = aws_lambda_permission.sma_handler[0]
  to   = aws_lambda_permission.this["sma_handler"]
}
