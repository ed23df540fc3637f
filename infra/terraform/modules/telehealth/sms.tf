# AWS End User Messaging SMS (Pinpoint projects can no longer be created). The origination
# number is bought and registered (10DLC campaign or toll-free verification) outside Terraform,
# as AWS requires; docs/deploy.md says how to point it at the opt-out list below.
# No default_message_type: provider 5.100 does not set it on create (every later plan would
# show a change), and the services send MessageType TRANSACTIONAL on every text anyway.
resource "aws_pinpointsmsvoicev2_configuration_set" "this" {
  name = local.prefix
  tags = var.tags
}

# Recipients who reply STOP land here once the origination number uses this list.
resource "aws_pinpointsmsvoicev2_opt_out_list" "this" {
  name = "${local.prefix}-opt-outs"
  tags = var.tags
}
