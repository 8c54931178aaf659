# ------------------------------------------------------------------------------------------ event source mappings

resource "aws_lambda_event_source_mapping" "usage_ingest_usage" {
  function_name                      = module.usage_ingest_function.lambda_alias_arn
  event_source_arn                   = module.usage_queue.queue_arn
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  # A usage burst is absorbed by the queue, not by the account's concurrency.
  scaling_config {
    maximum_concurrency = var.usage_ingest_maximum_concurrency
  }
}

resource "aws_lambda_event_source_mapping" "invoice_generator_invoice_jobs" {
  function_name           = module.invoice_generator_function.lambda_alias_arn
  event_source_arn        = module.invoice_jobs_queue.queue_arn
  batch_size              = 5
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "stripe_sync_new_invoices" {
  function_name                  = module.stripe_sync_function.lambda_alias_arn
  event_source_arn               = module.invoices_table.dynamodb_table_stream_arn
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 10
  maximum_retry_attempts         = 5
  bisect_batch_on_function_error = true
  function_response_types        = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode(local.new_invoices_filter_pattern)
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

# One invocation per shard at a time (parallelization factor 1), no bisecting: the bucket markers rely on a shard's
# records arriving in order and a retry starting at the same record (shared/.../usage/UsageBucketService.java).
resource "aws_lambda_event_source_mapping" "usage_buckets_new_usage_events" {
  function_name                      = module.usage_buckets_function.lambda_alias_arn
  event_source_arn                   = module.usage_events_table.dynamodb_table_stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 1000
  maximum_batching_window_in_seconds = 1
  parallelization_factor             = 1
  maximum_retry_attempts             = 20
  bisect_batch_on_function_error     = false
  function_response_types            = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode(local.new_usage_events_filter_pattern)
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

resource "aws_lambda_event_source_mapping" "billing_alerts_usage_buckets" {
  function_name                      = module.billing_alerts_function.lambda_alias_arn
  event_source_arn                   = module.usage_buckets_table.dynamodb_table_stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  maximum_retry_attempts             = 5
  bisect_batch_on_function_error     = true
  function_response_types            = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode(local.usage_bucket_items_filter_pattern)
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

resource "aws_lambda_event_source_mapping" "billing_alerts_credit_ledger" {
  function_name                  = module.billing_alerts_function.lambda_alias_arn
  event_source_arn               = module.credits_table.dynamodb_table_stream_arn
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 100
  maximum_retry_attempts         = 5
  bisect_batch_on_function_error = true
  function_response_types        = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode(local.credit_entries_filter_pattern)
    }
    filter {
      pattern = jsonencode(local.credit_expiry_warnings_filter_pattern)
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

# Payment results (stripe-webhook writes them from Stripe's invoice events) drive dunning.
resource "aws_lambda_event_source_mapping" "entitlements_payments" {
  function_name                  = module.entitlements_function.lambda_alias_arn
  event_source_arn               = module.payments_table.dynamodb_table_stream_arn
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 100
  maximum_retry_attempts         = 10
  bisect_batch_on_function_error = true
  function_response_types        = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

resource "aws_lambda_event_source_mapping" "entitlements_subscriptions" {
  function_name                  = module.entitlements_function.lambda_alias_arn
  event_source_arn               = module.subscriptions_table.dynamodb_table_stream_arn
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 100
  maximum_retry_attempts         = 10
  bisect_batch_on_function_error = true
  function_response_types        = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

resource "aws_lambda_event_source_mapping" "entitlements_credit_balances" {
  function_name                  = module.entitlements_function.lambda_alias_arn
  event_source_arn               = module.credits_table.dynamodb_table_stream_arn
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 100
  maximum_retry_attempts         = 10
  bisect_batch_on_function_error = true
  function_response_types        = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode(local.credit_balance_changes_filter_pattern)
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.stream_failures_queue.queue_arn
    }
  }
}

# --------------------------------------------------------------------------------------------- HTTP API (webhooks)

resource "aws_apigatewayv2_api" "http_api" {
  name          = "${var.name_prefix}-http-api"
  description   = "Tally's public endpoints: Stripe webhooks; entitlements for products (IAM-authorised)."
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "stripe_webhook" {
  api_id                 = aws_apigatewayv2_api.http_api.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.stripe_webhook_function.lambda_alias_invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "stripe_webhook" {
  api_id    = aws_apigatewayv2_api.http_api.id
  route_key = "POST /webhooks/stripe"
  target    = "integrations/${aws_apigatewayv2_integration.stripe_webhook.id}"
}

# Products sign their requests (SigV4); only principals allowed execute-api:Invoke on this route get in.
resource "aws_apigatewayv2_integration" "entitlements_api" {
  api_id                 = aws_apigatewayv2_api.http_api.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.entitlements_api_function.lambda_alias_invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "entitlements_api" {
  api_id             = aws_apigatewayv2_api.http_api.id
  route_key          = "GET /entitlements/{account}"
  target             = "integrations/${aws_apigatewayv2_integration.entitlements_api.id}"
  authorization_type = "AWS_IAM"
}

resource "aws_cloudwatch_log_group" "http_api_access" {
  name              = "/aws/apigateway/${var.name_prefix}-http-api/access"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.tally_key.arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http_api.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.webhook_throttling_burst_limit
    throttling_rate_limit  = var.webhook_throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.http_api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }
}

resource "aws_lambda_permission" "stripe_webhook_http_api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.stripe_webhook_function.lambda_function_name
  qualifier     = module.stripe_webhook_function.lambda_alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http_api.execution_arn}/*/POST/webhooks/stripe"
}

resource "aws_lambda_permission" "entitlements_api_http_api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.entitlements_api_function.lambda_function_name
  qualifier     = module.entitlements_api_function.lambda_alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http_api.execution_arn}/*/GET/entitlements/*"
}

# ------------------------------------------------------------------------------------------ schedule (billing run)

data "aws_iam_policy_document" "scheduler_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "billing_run_scheduler" {
  name                 = "${var.name_prefix}-billing-run-scheduler"
  description          = "Lets EventBridge Scheduler invoke the billing-run and reconciliation functions."
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume_role.json
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "billing_run_scheduler" {
  statement {
    sid       = "InvokeBillingRun"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.billing_run_function.lambda_alias_arn]
  }

  statement {
    sid       = "InvokeReconciliation"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.reconciliation_function.lambda_alias_arn]
  }

  statement {
    sid       = "SendToDeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [module.billing_run_failures_queue.queue_arn]
  }

  statement {
    sid       = "EncryptDeadLetters"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

resource "aws_iam_role_policy" "billing_run_scheduler" {
  name   = "invoke-billing-run"
  role   = aws_iam_role.billing_run_scheduler.id
  policy = data.aws_iam_policy_document.billing_run_scheduler.json
}

resource "aws_scheduler_schedule" "billing_run_hourly" {
  name        = "${var.name_prefix}-billing-run-hourly"
  description = "Hourly billing run, five minutes past the hour (UTC)."

  schedule_expression          = "cron(5 * * * ? *)"
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.billing_run_function.lambda_alias_arn
    role_arn = aws_iam_role.billing_run_scheduler.arn
    # Scheduler sends only this input: the scheduled time, so a retried run sees the same cut-off.
    input = jsonencode({ time = "<aws.scheduler.scheduled-time>" })

    retry_policy {
      maximum_retry_attempts = 2
    }

    # An invocation the scheduler could not deliver after its retries.
    dead_letter_config {
      arn = module.billing_run_failures_queue.queue_arn
    }
  }
}

# Reconciliation, half an hour after each billing run (minute 35), through the billing run's scheduler role.
resource "aws_scheduler_schedule" "reconciliation_hourly" {
  name        = "${var.name_prefix}-reconciliation-hourly"
  description = "Hourly reconciliation, thirty-five minutes past the hour (UTC): half an hour after the billing run."

  schedule_expression          = "cron(35 * * * ? *)"
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.reconciliation_function.lambda_alias_arn
    role_arn = aws_iam_role.billing_run_scheduler.arn
    input    = jsonencode({ time = "<aws.scheduler.scheduled-time>" })

    retry_policy {
      maximum_retry_attempts = 2
    }

    dead_letter_config {
      arn = module.billing_run_failures_queue.queue_arn
    }
  }
}
