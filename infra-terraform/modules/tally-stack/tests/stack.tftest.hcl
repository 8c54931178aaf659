# `terraform test` for the stack, offline: the AWS provider is mocked, so nothing is created and no credentials are
# needed. It evaluates the whole configuration (types, variable validations, preconditions, dynamic blocks) the way a
# plan would. The jars must exist (build with Maven first); infra-tests runs this in a copy with placeholder jars.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  # The mock would otherwise make up a string that is not a policy document.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  environment               = "test"
  aws_account_id            = "123456789012"
  stripe_webhook_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally/stripe-webhook-AbCdEf"
}

run "plans_with_defaults" {
  command = plan

  assert {
    condition = alltrue([
      for a in concat(values(aws_cloudwatch_metric_alarm.metric), values(aws_cloudwatch_metric_alarm.tally_rates)) : can(regex("Runbook: docs/runbooks/[a-z-]+[.]md", a.alarm_description)) && length(a.alarm_actions) > 0
    ])
    error_message = "Every alarm must name its runbook and notify someone (the on-call topic)."
  }

  assert {
    condition     = length([for k, a in aws_cloudwatch_metric_alarm.metric : k if endswith(k, "/throttles")]) == 7 && length([for k, a in aws_cloudwatch_metric_alarm.metric : k if endswith(k, "/duration")]) == 7 && length([for k, a in aws_cloudwatch_metric_alarm.metric : k if endswith(k, "/iterator_age")]) == 3
    error_message = "Every function needs throttle and duration alarms, every stream consumer an iterator age alarm."
  }

  assert {
    condition     = one([for q in aws_cloudwatch_metric_alarm.tally_rates["usage_rejected_rate"].metric_query : q.expression if q.expression != null]) == "IF(m0 + m1 + m2 > 0, 100 * m0 / (m0 + m1 + m2), 0)"
    error_message = "The rejected usage rate is rejected over everything received (counted, duplicate, rejected)."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["billing_run_late"].treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.metric["billing_run_late"].metric_name == "BillingRunsCompleted"
    error_message = "A billing run that never reports must alarm: missing BillingRunsCompleted is breaching."
  }

  assert {
    condition     = aws_scheduler_schedule.billing_run_hourly.schedule_expression == "cron(5 * * * ? *)" && aws_scheduler_schedule.billing_run_hourly.flexible_time_window[0].mode == "OFF"
    error_message = "The billing run must be scheduled at five past every hour, without a flexible window."
  }

  assert {
    condition = alltrue([
      for m in [
        aws_lambda_event_source_mapping.usage_ingest_usage,
        aws_lambda_event_source_mapping.invoice_generator_invoice_jobs,
        aws_lambda_event_source_mapping.stripe_sync_new_invoices,
        aws_lambda_event_source_mapping.billing_alerts_usage_buckets,
        aws_lambda_event_source_mapping.usage_buckets_new_usage_events,
        aws_lambda_event_source_mapping.billing_alerts_credit_ledger,
      ] : contains(m.function_response_types, "ReportBatchItemFailures")
    ])
    error_message = "Every event source mapping must report partial batch failures."
  }

  assert {
    condition     = join(",", sort([for f in aws_lambda_event_source_mapping.billing_alerts_credit_ledger.filter_criteria[0].filter : jsondecode(f.pattern).dynamodb.Keys.entryKey.S[0].prefix])) == "GRANT#,LEDGER#"
    error_message = "billing-alerts must only receive new ledger entries and credit grants marked warned of their expiry."
  }

  assert {
    condition     = aws_apigatewayv2_route.stripe_webhook.route_key == "POST /webhooks/stripe" && aws_apigatewayv2_integration.stripe_webhook.payload_format_version == "2.0"
    error_message = "The Stripe webhook route must be POST /webhooks/stripe with payload format 2.0."
  }

  assert {
    condition     = output.billing_event_bus_name == "tally-billing"
    error_message = "The event bus must be named <name_prefix>-billing."
  }

  assert {
    condition     = one(aws_lambda_event_source_mapping.usage_ingest_usage.scaling_config).maximum_concurrency == 10
    error_message = "The usage queue's event source must cap usage-ingest's concurrency."
  }

  assert {
    condition     = length(one(aws_scheduler_schedule.billing_run_hourly.target).dead_letter_config) == 1
    error_message = "The billing-run schedule must have a dead-letter queue."
  }

  assert {
    condition     = aws_lambda_permission.stripe_webhook_http_api.qualifier == "live"
    error_message = "API Gateway may invoke the webhook's live alias only."
  }

  assert {
    condition     = aws_kms_key.tally_key.enable_key_rotation && aws_kms_key.tally_key.deletion_window_in_days == 30
    error_message = "The stack's key rotates and waits 30 days before deletion."
  }
}

run "plans_with_a_stripe_api_key" {
  command = plan

  variables {
    name_prefix               = "tally-staging"
    stripe_api_key_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally/stripe-api-key-AbCdEf"
  }

  assert {
    condition     = module.stripe_sync_function.lambda_function_name == "tally-staging-stripe-sync"
    error_message = "Function names must start with name_prefix."
  }
}

run "rejects_an_invalid_name_prefix" {
  command = plan

  variables {
    name_prefix = "Tally_Prod"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_reserved_concurrency_missing_a_function" {
  command = plan

  variables {
    reserved_concurrency = { stripe_webhook = 5 }
  }

  expect_failures = [var.reserved_concurrency]
}
