# One customer-managed key for the data at rest that can hold PHI: the tables and the logs.
resource "aws_kms_key" "data" {
  description             = "${local.prefix}: tables and log groups"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = jsonencode(local.kms_key_policy)
  tags                    = var.tags
}

resource "aws_kms_alias" "data" {
  name          = "alias/${local.prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

locals {
  kms_use_actions = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
  ]

  # A key policy's Resource is always "*" (it means this key).
  kms_key_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsEncryptsOurLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = local.kms_use_actions
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = [
              "${local.log_arn_base}:/aws/lambda/${local.prefix}-*",
              "${local.log_arn_base}:/aws/lambda/telehealth-*-${var.stage}",
              "${local.log_arn_base}:/aws/lambda/telehealth-*-${var.stage}-*",
              "${local.log_arn_base}:/aws/vendedlogs/states/${local.prefix}-*",
              "${local.log_arn_base}:aws-waf-logs-${local.prefix}",
            ]
          }
        }
      },
      {
        # Alarms publish to the encrypted alarms topic.
        Sid       = "CloudWatchAlarmsPublishToTheAlarmsTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        # What the AWS-managed aws/dynamodb key allows: principals of this account that IAM
        # lets use the tables may use the key, but only through DynamoDB.
        Sid       = "PrincipalsOfThisAccountThroughDynamoDb"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = concat(local.kms_use_actions, ["kms:CreateGrant"])
        Resource  = "*"
        Condition = {
          StringEquals = {
            "kms:CallerAccount" = local.account_id
            "kms:ViaService"    = "dynamodb.${local.region}.amazonaws.com"
          }
        }
      },
    ]
  }
}
