resource "aws_cognito_user_pool" "this" {
  name                     = "${local.prefix}-users"
  username_attributes      = local.user_pool.username_attributes
  auto_verified_attributes = local.user_pool.auto_verified_attributes
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OFF"

  password_policy {
    minimum_length                   = local.user_pool.password_policy.minimum_length
    require_lowercase                = local.user_pool.password_policy.require_lowercase
    require_uppercase                = local.user_pool.password_policy.require_uppercase
    require_numbers                  = local.user_pool.password_policy.require_numbers
    require_symbols                  = local.user_pool.password_policy.require_symbols
    temporary_password_validity_days = local.user_pool.password_policy.temporary_password_validity_days
  }

  dynamic "schema" {
    for_each = local.user_pool.schema
    content {
      name                     = schema.value.name
      attribute_data_type      = schema.value.attribute_data_type
      required                 = schema.value.required
      mutable                  = schema.value.mutable
      developer_only_attribute = false

      string_attribute_constraints {
        min_length = lookup(schema.value, "min_length", 0)
        max_length = lookup(schema.value, "max_length", 2048)
      }
    }
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  admin_create_user_config {
    allow_admin_create_user_only = false
  }

  # The trigger names a function Chalice creates after the first apply (see docs/deploy.md).
  dynamic "lambda_config" {
    for_each = var.service_functions_deployed ? [1] : []
    content {
      post_confirmation = "${local.lambda_arn_prefix}:${local.post_confirmation_function}"
    }
  }

  tags = var.tags
}

resource "aws_cognito_user_group" "this" {
  for_each     = toset(local.user_pool.groups)
  name         = each.value
  user_pool_id = aws_cognito_user_pool.this.id
}

resource "aws_cognito_user_pool_client" "app" {
  name                          = "${local.prefix}-app"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = local.user_pool.client.generate_secret
  explicit_auth_flows           = local.user_pool.client.explicit_auth_flows
  prevent_user_existence_errors = local.user_pool.client.prevent_user_existence_errors
  enable_token_revocation       = true
  id_token_validity             = local.user_pool.client.id_token_validity_minutes
  access_token_validity         = local.user_pool.client.access_token_validity_minutes
  refresh_token_validity        = local.user_pool.client.refresh_token_validity_days
  # Users may read what the API needs and write nothing the services trust: name, phone,
  # e-mail and role change only through the identity service's admin calls.
  read_attributes  = local.user_pool.client.read_attributes
  write_attributes = local.user_pool.client.write_attributes

  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}

# The first clinic admin, created by the deployment (every later doctor and admin is invited).
# Cognito e-mails it a temporary password; the first sign-in sets its own.
resource "aws_cognito_user" "first_admin" {
  count        = var.first_admin_email != "" ? 1 : 0
  user_pool_id = aws_cognito_user_pool.this.id
  username     = var.first_admin_email

  attributes = {
    email          = var.first_admin_email
    email_verified = true
    name           = "Clinic admin"
    role           = "admin"
  }
  desired_delivery_mediums = ["EMAIL"]

  lifecycle {
    ignore_changes = [attributes]
  }
}

resource "aws_cognito_user_in_group" "first_admin" {
  count        = var.first_admin_email != "" ? 1 : 0
  user_pool_id = aws_cognito_user_pool.this.id
  group_name   = aws_cognito_user_group.this["admin"].name
  username     = aws_cognito_user.first_admin[0].sub
}
