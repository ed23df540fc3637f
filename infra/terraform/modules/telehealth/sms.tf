# AWS End User Messaging SMS (Pinpoint projects can no longer be created). The origination
# number is bought and registered (10DLC campaign or toll-free verification) outside Terraform,
# as AWS requires; docs/deploy.md says how to point it at the opt-out list below.
resource "aws_pinpointsmsvoicev2_configuration_set" "this" {
  name                 = local.prefix
  default_message_type = "TRANSACTIONAL"
  tags                 = var.tags
}

# Recipients who reply STOP land here once the origination number uses this list.
resource "aws_pinpointsmsvoicev2_opt_out_list" "this" {
  name = "${local.prefix}-opt-outs"
  tags = var.tags
}
