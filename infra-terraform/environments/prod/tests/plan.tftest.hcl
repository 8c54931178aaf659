# `terraform test` for the prod environment, offline: the AWS provider is mocked, so nothing is created and no
# credentials are needed. It evaluates the whole configuration (types, variable validations, preconditions, dynamic
# blocks) the way a plan would. The jars must exist (build with Maven first); infra-tests runs this in a copy with
# placeholder jars.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
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
  aws_region                = "eu-west-1"
  stripe_webhook_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally/stripe-webhook-AbCdEf"
}

run "plans_with_defaults" {
  command = plan

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
        aws_lambda_event_source_mapping.billing_alerts_credit_balances,
      ] : contains(m.function_response_types, "ReportBatchItemFailures")
    ])
    error_message = "Every event source mapping must report partial batch failures."
  }

  assert {
    condition     = jsondecode(one([for f in aws_lambda_event_source_mapping.billing_alerts_credit_balances.filter_criteria[0].filter : f.pattern])).dynamodb.Keys.entryKey.S[0].prefix == "BALANCE#"
    error_message = "billing-alerts must only receive changes of credit balances."
  }

  assert {
    condition     = aws_apigatewayv2_route.stripe_webhook.route_key == "POST /webhooks/stripe" && aws_apigatewayv2_integration.stripe_webhook.payload_format_version == "2.0"
    error_message = "The Stripe webhook route must be POST /webhooks/stripe with payload format 2.0."
  }

  assert {
    condition     = output.billing_event_bus_name == "tally-billing"
    error_message = "The event bus must be named <name_prefix>-billing."
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

run "rejects_a_timeout_the_queues_cannot_cover" {
  command = plan

  variables {
    lambda_timeout = 60
  }

  expect_failures = [var.lambda_timeout]
}
