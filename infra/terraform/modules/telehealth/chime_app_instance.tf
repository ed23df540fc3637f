# The Chime SDK messaging app instance and its admin user have no Terraform resource. A small
# function creates them, and aws_lambda_invocation runs it on create, update and destroy
# (lifecycle_scope CRUD), so they follow the stack's lifecycle and their ARNs land in the state.

locals {
  bootstrap_function_enabled = var.chime_bootstrap_function || var.app_instance_arn == ""
  bootstrap_function_name    = "${local.prefix}-chime-bootstrap"
  bootstrap_source           = "${path.module}/bootstrap/chime_app_instance.py"
  bootstrap_zip              = "${local.build_dir}/chime_app_instance.zip"
  app_instance_arn_pattern   = "arn:${local.partition}:chime:${local.region}:${local.account_id}:app-instance/*"
}

# Terraform has no zip builder without the archive provider; Python (needed for Chalice anyway)
# writes a reproducible zip: fixed timestamps, so the same source gives the same bytes.
resource "terraform_data" "chime_bootstrap_zip" {
  count            = local.bootstrap_function_enabled ? 1 : 0
  triggers_replace = [filesha256(local.bootstrap_source), local.bootstrap_zip]

  provisioner "local-exec" {
    interpreter = ["python3", "-c"]
    command     = <<-EOT
      import os, zipfile
      source, target = os.environ["SOURCE"], os.environ["TARGET"]
      os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
      entry = zipfile.ZipInfo(os.path.basename(source), date_time=(1980, 1, 1, 0, 0, 0))
      entry.external_attr = 0o644 << 16
      entry.compress_type = zipfile.ZIP_DEFLATED
      with open(source, "rb") as src, zipfile.ZipFile(target, "w") as archive:
          archive.writestr(entry, src.read())
    EOT
    environment = {
      SOURCE = local.bootstrap_source
      TARGET = local.bootstrap_zip
    }
  }
}

resource "aws_iam_role" "chime_bootstrap" {
  count              = local.bootstrap_function_enabled ? 1 : 0
  name               = "${local.prefix}-chime-bootstrap"
  assume_role_policy = local.trust_policies["lambda"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "chime_bootstrap" {
  count = local.bootstrap_function_enabled ? 1 : 0
  name  = "chime-bootstrap"
  role  = aws_iam_role.chime_bootstrap[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        # Creating an app instance or one of its users takes no resource-level permission.
        Sid      = "CreateAppInstanceAndAdminUser"
        Effect   = "Allow"
        Action   = ["chime:CreateAppInstance", "chime:CreateAppInstanceUser"]
        Resource = "*"
      },
      {
        Sid    = "ManageAppInstancesOfThisRegion"
        Effect = "Allow"
        Action = [
          "chime:ListAppInstances",
          "chime:DescribeAppInstance",
          "chime:DeleteAppInstance",
          "chime:CreateAppInstanceAdmin",
          "chime:DescribeAppInstanceAdmin",
        ]
        Resource = [local.app_instance_arn_pattern]
      },
      {
        Sid    = "ManageTheAdminUser"
        Effect = "Allow"
        Action = [
          "chime:DescribeAppInstanceUser",
          "chime:CreateAppInstanceAdmin",
          "chime:DescribeAppInstanceAdmin",
        ]
        Resource = ["${local.app_instance_arn_pattern}/user/${local.app_instance_admin_id}"]
      },
      ],
      [{
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this["chime_bootstrap"].arn}:log-stream:*"]
      }],
      local.xray_statements,
    )
  })
}

resource "aws_lambda_function" "chime_bootstrap" {
  #checkov:skip=CKV_AWS_117:It only calls AWS APIs; a VPC would add NAT cost and no protection.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Terraform only, which reports failures itself.
  #checkov:skip=CKV_AWS_115:Reserved concurrency fails in accounts at the minimum unreserved limit; it runs only during applies.
  #checkov:skip=CKV_AWS_272:Built from this repository by Terraform itself; code signing would sign our own output.
  count            = local.bootstrap_function_enabled ? 1 : 0
  function_name    = local.bootstrap_function_name
  description      = "Creates the Chime SDK app instance and its admin user for ${local.prefix} (Terraform)"
  role             = aws_iam_role.chime_bootstrap[0].arn
  runtime          = "python3.12"
  handler          = "chime_app_instance.handler"
  filename         = local.bootstrap_zip
  source_code_hash = filebase64sha256(local.bootstrap_source)
  timeout          = 60
  memory_size      = 128

  tracing_config {
    mode = var.lambda_tracing ? "Active" : "PassThrough"
  }

  tags = var.tags

  depends_on = [
    terraform_data.chime_bootstrap_zip,
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.chime_bootstrap,
  ]
}

resource "aws_lambda_invocation" "chime_app_instance" {
  count           = var.app_instance_arn == "" ? 1 : 0
  function_name   = aws_lambda_function.chime_bootstrap[0].function_name
  lifecycle_scope = "CRUD"
  input = jsonencode({
    name                = local.prefix
    admin_user_id       = local.app_instance_admin_id
    admin_name          = "Telehealth service"
    deletion_protection = var.deletion_protection
  })
}
