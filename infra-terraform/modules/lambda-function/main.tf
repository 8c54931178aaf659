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
  name               = var.function_name
  description        = "Execution role of the ${var.function_name} function."
  assume_role_policy = data.aws_iam_policy_document.assume_role.json

  tags = var.tags
}

# What AWSLambdaBasicExecutionRole gives, scoped to this function's own log group, which the module creates
# (hence no logs:CreateLogGroup).
data "aws_iam_policy_document" "logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "logs" {
  name   = "logs"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.logs.json
}

# What AWSXRayDaemonWriteAccess gives. X-Ray has no resource-level permissions.
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

  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []

    content {
      variables = environment.value
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
    aws_iam_role_policy.logs,
    aws_iam_role_policy.xray,
    aws_iam_role_policy.additional,
  ]
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create_errors_alarm ? 1 : 0

  alarm_name        = "${var.function_name}-errors"
  alarm_description = "The ${var.function_name} function raised errors (uncaught exceptions, timeouts, out of memory)."

  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions = {
    FunctionName = aws_lambda_function.this.function_name
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
