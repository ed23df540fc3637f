# One regional web ACL in front of every service's API Gateway stage: AWS's managed rules,
# a per-IP rate limit, and a tighter one where credentials and codes are guessed.

locals {
  # Paths where a guessing client is the threat (credentials, confirmation and join codes).
  guarded_paths = ["/signup", "/signin", "/confirm", "/guest/join", "/me/phone/confirm"]
}

resource "aws_wafv2_web_acl" "api" {
  name        = "${local.prefix}-api"
  description = "Telehealth APIs (${var.stage})"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "aws-common"
    priority = 10
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 20
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "per-ip-guarded-paths"
    priority = 30
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_guarded_rate_limit
        aggregate_key_type = "IP"
        scope_down_statement {
          or_statement {
            dynamic "statement" {
              for_each = local.guarded_paths
              content {
                byte_match_statement {
                  search_string         = statement.value
                  positional_constraint = "ENDS_WITH"
                  field_to_match {
                    uri_path {}
                  }
                  text_transformation {
                    priority = 0
                    type     = "LOWERCASE"
                  }
                }
              }
            }
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "per-ip-guarded-paths"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "per-ip"
    priority = 40
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "per-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.prefix}-api"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "api" {
  resource_arn            = aws_wafv2_web_acl.api.arn
  log_destination_configs = [aws_cloudwatch_log_group.this["waf"].arn]

  # Headers can carry tokens; the log keeps the rest of the request.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

# The REST APIs come from `chalice deploy`; the deploy path passes their ids once they exist.
resource "aws_wafv2_web_acl_association" "api" {
  for_each     = var.api_ids
  resource_arn = "arn:${local.partition}:apigateway:${local.region}::/restapis/${each.value}/stages/${var.stage}"
  web_acl_arn  = aws_wafv2_web_acl.api.arn
}
