locals {
  # arn:<partition>:lambda:<region>:<account>:function:<name>, known once the function exists.
  arn_parts = split(":", aws_lambda_function.this.arn)
  # Alarms that stop a deployment and roll the alias back: the function's own errors on the alias, and any given.
  rollback_alarm_names = concat([aws_cloudwatch_metric_alarm.errors.alarm_name], var.rollback_alarm_names)
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  description          = "Execution role of the ${var.function_name} function."
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.role_permissions_boundary

  tags = var.tags
}

# What AWSLambdaBasicExecutionRole gives, scoped to this function's own log group, which the module creates (hence no
# logs:CreateLogGroup); kms:Decrypt on the key of its environment variables; sqs:SendMessage on its on-failure
# destination, if any.
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "DecryptEnvironment"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.attach_on_failure_destination ? [var.on_failure_destination_arn] : []

    content {
      sid       = "SendFailedInvocations"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "base" {
  name   = "base"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.base.json
}

# What AWSXRayDaemonWriteAccess gives. X-Ray has no resource-level permissions: its actions take only "*".
data "aws_iam_policy_document" "xray" {
  statement {
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:GetSamplingStatisticSummaries",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "xray" {
  count = var.tracing_mode == "Active" ? 1 : 0

  name   = "xray"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.xray.json
}

resource "aws_iam_role_policy" "additional" {
  count = var.attach_policy_json ? 1 : 0

  name   = "function"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn

  runtime       = var.runtime
  architectures = var.architectures
  handler       = var.handler

  filename         = var.filename
  source_code_hash = filebase64sha256(var.filename)

  # Every change of code or configuration is a new immutable version; the alias below is what callers invoke, and
  # CodeDeploy moves it.
  publish = true

  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []

    content {
      variables = environment.value
    }
  }

  dynamic "snap_start" {
    for_each = var.snap_start ? [1] : []

    content {
      apply_on = "PublishedVersions"
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format            = var.log_format
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_format == "JSON" ? var.application_log_level : null
    system_log_level      = var.log_format == "JSON" ? var.system_log_level : null
  }

  tags = var.tags

  # The role must carry its permissions before anything (an event source mapping, a first invocation) uses the
  # function: Lambda checks an SQS or stream source against the role when the mapping is created.
  depends_on = [
    aws_iam_role_policy.base,
    aws_iam_role_policy.xray,
    aws_iam_role_policy.additional,
  ]
}

# What every trigger invokes. Created on the first version; from then on CodeDeploy moves it (below), so Terraform
# does not fight it over the version or the weights.
resource "aws_lambda_alias" "live" {
  name             = var.alias_name
  description      = "The version that receives traffic; moved by CodeDeploy."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config]
  }
}

# Asynchronous invocations (schedules) that still fail after the retries go to the destination.
resource "aws_lambda_function_event_invoke_config" "this" {
  count = var.attach_on_failure_destination ? 1 : 0

  function_name                = aws_lambda_function.this.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = var.async_maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_maximum_event_age_seconds

  destination_config {
    on_failure {
      destination = var.on_failure_destination_arn
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name        = "${var.function_name}-errors"
  alarm_description = "The ${var.function_name} function (alias ${var.alias_name}) raised errors: uncaught exceptions, timeouts, out of memory. During a deployment it rolls the alias back. Runbook: docs/runbooks/rollback.md"

  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions = {
    FunctionName = aws_lambda_function.this.function_name
    Resource     = "${aws_lambda_function.this.function_name}:${var.alias_name}"
  }
  statistic           = "Sum"
  period              = var.errors_alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.errors_alarm_threshold
  treat_missing_data  = "notBreaching"

  alarm_actions = var.alarm_actions
  ok_actions    = var.ok_actions

  tags = var.tags
}

# ------------------------------------------------------------------------------------- gradual deployment

resource "aws_codedeploy_app" "this" {
  name             = var.function_name
  compute_platform = "Lambda"

  tags = var.tags
}

data "aws_iam_policy_document" "codedeploy_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "codedeploy" {
  name                 = "${var.function_name}-deploy"
  description          = "Lets CodeDeploy shift the ${var.alias_name} alias of ${var.function_name} and watch its alarms."
  assume_role_policy   = data.aws_iam_policy_document.codedeploy_assume_role.json
  permissions_boundary = var.role_permissions_boundary

  tags = var.tags
}

# AWSCodeDeployRoleForLambdaLimited, scoped to this function, its alias and its alarms.
data "aws_iam_policy_document" "codedeploy" {
  statement {
    sid       = "ShiftAlias"
    actions   = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]
    resources = [aws_lambda_function.this.arn, "${aws_lambda_function.this.arn}:*"]
  }

  statement {
    sid       = "WatchAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = [for name in local.rollback_alarm_names : "arn:${local.arn_parts[1]}:cloudwatch:${local.arn_parts[3]}:${local.arn_parts[4]}:alarm:${name}"]
  }
}

resource "aws_iam_role_policy" "codedeploy" {
  name   = "shift-alias"
  role   = aws_iam_role.codedeploy.id
  policy = data.aws_iam_policy_document.codedeploy.json
}

resource "aws_codedeploy_deployment_group" "this" {
  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = var.alias_name
  service_role_arn       = aws_iam_role.codedeploy.arn
  deployment_config_name = var.deployment_config_name

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = true
    alarms  = local.rollback_alarm_names
  }

  tags = var.tags
}

# On apply, when a new version was published, ask CodeDeploy to move the alias to it (gradually, rolled back on the
# alarms) and wait for the outcome. Needs the AWS CLI where terraform runs; off, the runbook's `deploy` step does it.
resource "terraform_data" "shift_traffic" {
  count = var.shift_traffic_on_apply ? 1 : 0

  triggers_replace = [aws_lambda_function.this.version]

  provisioner "local-exec" {
    command     = "${path.module}/scripts/shift-traffic.sh"
    interpreter = ["bash"]

    environment = {
      APPLICATION      = aws_codedeploy_app.this.name
      DEPLOYMENT_GROUP = aws_codedeploy_deployment_group.this.deployment_group_name
      FUNCTION_NAME    = aws_lambda_function.this.function_name
      ALIAS_NAME       = aws_lambda_alias.live.name
      TARGET_VERSION   = aws_lambda_function.this.version
      AWS_REGION       = local.arn_parts[3]
    }
  }
}
