# One role per service, used by all of that service's functions (Chalice: manage_iam_role
# false + iam_role_arn). Every action is listed by name and scoped to this stage's resources;
# "*" appears only for actions that take no resource-level permissions (a test checks this
# against the AWS service authorization data).

locals {
  lambda_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  xray_statements = var.lambda_tracing ? [{
    Sid      = "WriteTraces"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    Resource = "*"
  }] : []

  pool_arn             = aws_cognito_user_pool.this.arn
  app_instance_users   = "${local.app_instance_arn}/user/*"
  app_instance_chans   = "${local.app_instance_arn}/channel/*"
  meetings_arn         = "arn:${local.partition}:chime:${local.region}:${local.account_id}:meeting/*"
  executions_arn       = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}:*"
  sip_media_app_arn    = "arn:${local.partition}:chime:${local.region}:${local.account_id}:sma/${local.sip_media_application_id}"
  appointments_table   = local.tables_arns["appointments"]
  appointments_indexes = local.index_arns["appointments"]
  calls_table          = local.tables_arns["calls"]

  service_statements = {
    identity = [
      {
        # Public (client-side) Cognito operations: they take no resource-level permissions.
        Sid      = "PublicUserPoolOperations"
        Effect   = "Allow"
        Action   = ["cognito-idp:SignUp", "cognito-idp:ConfirmSignUp", "cognito-idp:InitiateAuth"]
        Resource = "*"
      },
      {
        Sid    = "ManageUsersOfThePool"
        Effect = "Allow"
        Action = [
          "cognito-idp:AdminGetUser",
          "cognito-idp:AdminAddUserToGroup",
          "cognito-idp:AdminListGroupsForUser",
          "cognito-idp:ListUsers",
        ]
        Resource = [local.pool_arn]
      },
      {
        # CreateAppInstanceUser takes no resource-level permission.
        Sid      = "CreateAppInstanceUsers"
        Effect   = "Allow"
        Action   = ["chime:CreateAppInstanceUser"]
        Resource = "*"
      },
      {
        Sid      = "DescribeAppInstanceUsers"
        Effect   = "Allow"
        Action   = ["chime:DescribeAppInstanceUser"]
        Resource = [local.app_instance_users]
      },
    ]

    scheduling = concat([
      {
        Sid      = "ReadUsersOfThePool"
        Effect   = "Allow"
        Action   = ["cognito-idp:AdminGetUser"]
        Resource = [local.pool_arn]
      },
      {
        Sid    = "OwnAppointments"
        Effect = "Allow"
        Action = [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
        ]
        Resource = [local.appointments_table, local.appointments_indexes]
      },
      {
        # The channel does not exist yet: only the acting (bearer) user is checked.
        Sid      = "CreateAppointmentChannels"
        Effect   = "Allow"
        Action   = ["chime:CreateChannel"]
        Resource = [local.app_instance_users]
      },
      {
        Sid    = "ManageAppointmentChannels"
        Effect = "Allow"
        Action = [
          "chime:UpdateChannel",
          "chime:DescribeChannel",
          "chime:DeleteChannel",
          "chime:CreateChannelMembership",
          "chime:CreateChannelModerator",
          "chime:SendChannelMessage",
        ]
        Resource = [local.app_instance_users, local.app_instance_chans]
      },
      {
        Sid      = "StartReminders"
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = [aws_sfn_state_machine.reminders.arn]
      },
      {
        Sid      = "ManageReminderExecutions"
        Effect   = "Allow"
        Action   = ["states:StopExecution", "states:DescribeExecution"]
        Resource = [local.executions_arn]
      },
      ], var.sms_origination_identity == "" ? [] : [
      {
        # SendTextMessage is authorized on the origination identity and the configuration set.
        Sid      = "SendReminderSms"
        Effect   = "Allow"
        Action   = ["sms-voice:SendTextMessage"]
        Resource = [var.sms_origination_identity, aws_pinpointsmsvoicev2_configuration_set.this.arn]
      },
    ])

    messaging = [
      {
        Sid      = "ReadUsersOfThePool"
        Effect   = "Allow"
        Action   = ["cognito-idp:AdminGetUser"]
        Resource = [local.pool_arn]
      },
      {
        Sid      = "PresenceOnAppointments"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"]
        Resource = [local.appointments_table, local.appointments_indexes]
      },
      {
        Sid    = "ChannelMessages"
        Effect = "Allow"
        Action = [
          "chime:SendChannelMessage",
          "chime:ListChannelMessages",
          "chime:GetChannelMessage",
        ]
        Resource = [local.app_instance_users, local.app_instance_chans]
      },
      {
        # GetMessagingSessionEndpoint takes no resource-level permission.
        Sid      = "MessagingSessionEndpoint"
        Effect   = "Allow"
        Action   = ["chime:GetMessagingSessionEndpoint"]
        Resource = "*"
      },
      {
        # Websocket URLs are presigned with credentials of the session role, narrowed per
        # call by a session policy to the caller's own AppInstanceUser.
        Sid      = "AssumeMessagingSessionRole"
        Effect   = "Allow"
        Action   = ["sts:AssumeRole"]
        Resource = [aws_iam_role.messaging_session.arn]
      },
    ]

    calling = concat([
      {
        Sid      = "ReadUsersOfThePool"
        Effect   = "Allow"
        Action   = ["cognito-idp:AdminGetUser"]
        Resource = [local.pool_arn]
      },
      {
        Sid    = "MeetingsAndCalls"
        Effect = "Allow"
        Action = [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
        ]
        Resource = [local.appointments_table, local.calls_table]
      },
      {
        # Creating a meeting takes no resource-level permission (the meeting does not exist yet).
        Sid      = "CreateMeetings"
        Effect   = "Allow"
        Action   = ["chime:CreateMeeting", "chime:CreateMeetingWithAttendees"]
        Resource = "*"
      },
      {
        Sid    = "ManageMeetings"
        Effect = "Allow"
        Action = [
          "chime:GetMeeting",
          "chime:DeleteMeeting",
          "chime:CreateAttendee",
          "chime:DeleteAttendee",
          "chime:ListAttendees",
        ]
        Resource = [local.meetings_arn]
      },
      {
        Sid      = "MeetingMessages"
        Effect   = "Allow"
        Action   = ["chime:SendChannelMessage"]
        Resource = [local.app_instance_users, local.app_instance_chans]
      },
      ], local.sip_media_application_id == "" ? [] : [
      {
        Sid      = "PhoneCalls"
        Effect   = "Allow"
        Action   = ["chime:CreateSipMediaApplicationCall", "chime:UpdateSipMediaApplicationCall"]
        Resource = [local.sip_media_app_arn]
      },
    ])
  }
}

resource "aws_cloudwatch_log_group" "service" {
  for_each          = toset(flatten(values(local.service_function_names)))
  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
  tags              = var.tags
}

resource "aws_iam_role" "service" {
  for_each           = toset(local.services)
  name               = "${local.prefix}-${each.key}"
  description        = "Lambda functions of the ${each.key} service (${var.stage})"
  assume_role_policy = local.lambda_trust_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "service" {
  for_each = toset(local.services)
  name     = "${each.key}-service"
  role     = aws_iam_role.service[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      local.service_statements[each.key],
      [{
        # The log groups exist before Chalice deploys, so no logs:CreateLogGroup.
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [for name in local.service_function_names[each.key] : "${aws_cloudwatch_log_group.service[name].arn}:log-stream:*"]
      }],
      local.xray_statements,
    )
  })
}

resource "aws_iam_role" "messaging_session" {
  name        = "${local.prefix}-messaging-session"
  description = "Assumed by the messaging service to presign websocket URLs; narrowed per call to one AppInstanceUser"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.service["messaging"].arn }
      Action    = "sts:AssumeRole"
    }]
  })
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "messaging_session" {
  name = "connect"
  role = aws_iam_role.messaging_session.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ConnectAsAppInstanceUsers"
      Effect   = "Allow"
      Action   = ["chime:Connect"]
      Resource = [local.app_instance_users]
    }]
  })
}
