# ----------------------------------------------------------------------------------------- alarms and dashboard
# Every alarm notifies local.alarm_actions (the on-call topic aws_sns_topic.alarms in kms.tf, plus the environment's)
# and names its runbook in docs/runbooks/. Tally's own metrics (namespace "Tally", names from
# shared/src/main/java/dev/tally/metrics/MetricNames.java) come from the functions' logs in CloudWatch's embedded
# metric format; each is also published without dimensions, as its total, which these alarms read. Also here: the
# per-function alarms the lambda-function module does not make (throttles, duration near the timeout, stream lag),
# the HTTP API's answers, the scheduler's delivery errors. The DLQs' depth and age alarms are the sqs-queue module's.

locals {
  runbooks = var.runbook_base_url

  # Function name and timeout (seconds), as functions.tf sets them.
  monitored_functions = {
    stripe_webhook    = { name = module.stripe_webhook_function.lambda_function_name, timeout = 10 }
    usage_ingest      = { name = module.usage_ingest_function.lambda_function_name, timeout = 30 }
    usage_buckets     = { name = module.usage_buckets_function.lambda_function_name, timeout = 60 }
    billing_run       = { name = module.billing_run_function.lambda_function_name, timeout = 120 }
    invoice_generator = { name = module.invoice_generator_function.lambda_function_name, timeout = 60 }
    stripe_sync       = { name = module.stripe_sync_function.lambda_function_name, timeout = 60 }
    billing_alerts    = { name = module.billing_alerts_function.lambda_function_name, timeout = 30 }
  }

  # Every DynamoDB stream mapping (triggers.tf), by the function that reads it. Lambda reports IteratorAge per
  # function: billing-alerts' alarm covers both of its streams.
  stream_mappings = {
    stripe_sync_new_invoices       = module.stripe_sync_function.lambda_function_name
    usage_buckets_new_usage_events = module.usage_buckets_function.lambda_function_name
    billing_alerts_usage_buckets   = module.billing_alerts_function.lambda_function_name
    billing_alerts_credit_ledger   = module.billing_alerts_function.lambda_function_name
  }
  stream_functions = toset(values(local.stream_mappings))
}

# --- alarms on one metric each

locals {
  # Every alarm on one metric, by key: the function ones ("<function>/<kind>"), the webhook's HTTP answers, Tally's
  # failures, the billing run's heartbeat and the scheduler's errors. Defaults: Sum over 5 minutes, one period,
  # above the threshold, missing data not breaching.
  single_metric_alarms = merge(
    { for k, f in local.monitored_functions : "${k}/throttles" => {
      name        = "${f.name}-throttles", namespace = "AWS/Lambda", metric = "Throttles", dimensions = { FunctionName = f.name }
      threshold   = 0, periods = 3, datapoints = 2
      description = "Invocations of ${f.name} were throttled (reserved concurrency or the account limit): work waits or, for the webhook, Stripe gets 429s. Runbook: ${local.runbooks}/throttles.md"
    } },
    { for k, f in local.monitored_functions : "${k}/duration" => {
      name        = "${f.name}-duration-near-timeout", namespace = "AWS/Lambda", metric = "Duration", dimensions = { FunctionName = f.name }
      statistic   = "Maximum", threshold = f.timeout * 1000 * 0.8
      description = "An invocation of ${f.name} took more than 80 % of its ${f.timeout} s timeout: the next may time out and be retried. Runbook: ${local.runbooks}/duration-near-timeout.md"
    } },
    { for name in local.stream_functions : "${name}/iterator_age" => {
      name        = "${name}-stream-iterator-age", namespace = "AWS/Lambda", metric = "IteratorAge", dimensions = { FunctionName = name }
      statistic   = "Maximum", threshold = var.stream_iterator_age_alarm_seconds * 1000, periods = 3, datapoints = 2
      description = "${name} reads its DynamoDB stream more than ${var.stream_iterator_age_alarm_seconds} s behind (mappings: ${join(", ", [for k, v in local.stream_mappings : k if v == name])}); records expire after 24 h. Runbook: ${local.runbooks}/stream-lag.md"
    } },
    { for status, a in {
      "5xx" = { threshold = var.webhook_5xx_alarm_threshold, meaning = "transient failures Stripe retries for 3 days" }
      "4xx" = { threshold = var.webhook_4xx_alarm_threshold, meaning = "bad signatures or payloads Stripe will not retry" }
      } : "webhook_${status}" => {
      name        = "${var.name_prefix}-webhook-${status}", namespace = "AWS/ApiGateway", metric = status, dimensions = { ApiId = aws_apigatewayv2_api.http_api.id }
      threshold   = a.threshold
      description = "The webhook answered more than ${a.threshold} ${status} in 5 minutes: ${a.meaning}. Runbook: ${local.runbooks}/webhook-errors.md"
    } },
    {
      reconciliation_mismatches = {
        name        = "${var.name_prefix}-reconciliation-mismatches", namespace = "Tally", metric = "ReconciliationMismatches", threshold = 0
        description = "Reconciliation found an invoice, a ledger or a Stripe total that does not match what is behind it: billing may be wrong. Runbook: ${local.runbooks}/reconciliation-mismatch.md"
      }
      stripe_sync_failures = {
        name        = "${var.name_prefix}-stripe-sync-failures", namespace = "Tally", metric = "StripeSyncFailures", threshold = 0
        description = "Invoices were marked sync_failed: Stripe does not have them, so they are not charged. Runbook: ${local.runbooks}/stripe-sync-failed.md"
      }
      # A heartbeat: a run that never reports is as bad as one that fails.
      billing_run_late = {
        name        = "${var.name_prefix}-billing-run-late", namespace = "Tally", metric = "BillingRunsCompleted", period = 3600, periods = 2, datapoints = 2
        comparison  = "LessThanThreshold", threshold = 1, missing = "breaching"
        description = "No billing run finished in the last two hourly schedules (BillingRunsCompleted missing counts as breaching): closed periods are not being invoiced. Runbook: ${local.runbooks}/billing-run-late.md"
      }
      scheduler_target_errors = {
        name        = "${var.name_prefix}-scheduler-target-errors", namespace = "AWS/Scheduler", metric = "TargetErrorCount"
        dimensions  = { ScheduleGroup = aws_scheduler_schedule.billing_run_hourly.group_name }, threshold = 0
        description = "EventBridge Scheduler could not invoke the billing run (target errors); after its retries the event goes to the billing-run-failures queue. Runbook: ${local.runbooks}/billing-run-late.md"
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.single_metric_alarms

  alarm_name        = each.value.name
  alarm_description = each.value.description

  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = lookup(each.value, "dimensions", null)
  statistic           = lookup(each.value, "statistic", "Sum")
  period              = lookup(each.value, "period", 300)
  evaluation_periods  = lookup(each.value, "periods", 1)
  datapoints_to_alarm = lookup(each.value, "datapoints", 1)
  comparison_operator = lookup(each.value, "comparison", "GreaterThanThreshold")
  threshold           = each.value.threshold
  treat_missing_data  = lookup(each.value, "missing", "notBreaching")

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# --- the billing pipeline: shares of Tally's own metrics

# A share (percent) of what came in, over 15 minutes: 100 * bad / (bad + the others).
resource "aws_cloudwatch_metric_alarm" "tally_rates" {
  for_each = {
    webhook_signature_failure_rate = {
      bad       = "WebhookSignatureFailures"
      others    = ["WebhookEvents"]
      threshold = var.webhook_signature_failure_percent
      label     = "Signature failures (% of webhook requests)"
      meaning   = "of webhook requests failed signature verification: the signing secret was rotated without Tally, or someone is probing the endpoint"
      runbook   = "webhook-errors.md"
    }
    usage_rejected_rate = {
      bad       = "UsageEventsRejected"
      others    = ["UsageEventsCounted", "UsageEventsDuplicate"]
      threshold = var.usage_rejected_percent
      label     = "Usage events rejected (% of received)"
      meaning   = "of the usage events received were rejected (kept with their reason): a producer sends bad events, or the catalog lacks a meter"
      runbook   = "usage-rejections.md"
    }
  }

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  alarm_description   = "More than ${each.value.threshold} % ${each.value.meaning}. Runbook: ${local.runbooks}/${each.value.runbook}"
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "rate"
    expression  = "IF(${join(" + ", concat(["m0"], [for i, _ in each.value.others : "m${i + 1}"]))} > 0, 100 * m0 / (${join(" + ", concat(["m0"], [for i, _ in each.value.others : "m${i + 1}"]))}), 0)"
    label       = each.value.label
    return_data = true
  }
  dynamic "metric_query" {
    for_each = concat([each.value.bad], each.value.others)
    content {
      id = "m${metric_query.key}"
      metric {
        namespace   = "Tally"
        metric_name = metric_query.value
        stat        = "Sum"
        period      = 900
      }
    }
  }

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# --- the dashboard: the pipeline from ingest to Stripe, three graphs a row

locals {
  lag = { stat = "Maximum" }
  dashboard_graphs = [
    { title = "Usage events (ingest)", period = 300, metrics = [["Tally", "UsageEventsCounted"], ["Tally", "UsageEventsDuplicate"], ["Tally", "UsageEventsRejected"]] },
    { title = "Usage queue age and stream lag (ms)", period = 300, metrics = [
      ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", module.usage_queue.queue_name, local.lag],
      ["AWS/Lambda", "IteratorAge", "FunctionName", module.usage_buckets_function.lambda_function_name, local.lag],
      ["AWS/Lambda", "IteratorAge", "FunctionName", module.billing_alerts_function.lambda_function_name, local.lag],
    ] },
    { title = "Billing runs, invoices, failures", period = 3600, metrics = [["Tally", "BillingRunsCompleted"], ["Tally", "InvoicesFinalized"], ["Tally", "InvoiceFailures"], ["Tally", "LateUsageAdjustments"]] },
    { title = "Amount billed and credit drawn (minor units, all currencies)", period = 3600, metrics = [["Tally", "AmountBilledMinor"], ["Tally", "CreditDrawdownMinor"]] },
    { title = "Stripe sync", period = 300, metrics = [
      ["Tally", "StripeSynced"], ["Tally", "StripeSyncFailures"],
      ["AWS/Lambda", "IteratorAge", "FunctionName", module.stripe_sync_function.lambda_function_name, local.lag],
    ] },
    { title = "Stripe webhooks", period = 300, metrics = [
      ["Tally", "WebhookEvents"], ["Tally", "WebhookSignatureFailures"],
      ["AWS/ApiGateway", "4xx", "ApiId", aws_apigatewayv2_api.http_api.id], ["AWS/ApiGateway", "5xx", "ApiId", aws_apigatewayv2_api.http_api.id],
    ] },
    { title = "Reconciliation and alerts", period = 3600, metrics = [["Tally", "ReconciliationChecks"], ["Tally", "ReconciliationMismatches"], ["Tally", "AlertsRaised"]] },
  ]
  pipeline_alarms = concat(
    [for k in ["reconciliation_mismatches", "stripe_sync_failures", "billing_run_late", "scheduler_target_errors", "webhook_5xx", "webhook_4xx"] : aws_cloudwatch_metric_alarm.metric[k].arn],
    [for a in aws_cloudwatch_metric_alarm.tally_rates : a.arn],
  )
}

resource "aws_cloudwatch_dashboard" "pipeline" {
  dashboard_name = "${var.name_prefix}-pipeline"
  dashboard_body = jsonencode({
    widgets = concat(
      [{
        type = "text", x = 0, y = 0, width = 24, height = 2
        properties = {
          markdown = "# Tally: ingest -> buckets -> billing run -> invoices -> Stripe\nRunbooks: `${local.runbooks}`. Metrics: namespace `Tally` (totals), dimensions in docs/design.md."
        }
      }],
      [for i, g in local.dashboard_graphs : {
        type       = "metric", x = (i % 3) * 8, y = 2 + floor(i / 3) * 6, width = 8, height = 6
        properties = { title = g.title, region = local.region, stat = "Sum", period = g.period, metrics = g.metrics }
      }],
      [{
        type       = "alarm", x = 8, y = 14, width = 16, height = 6
        properties = { title = "Pipeline alarms", alarms = local.pipeline_alarms }
      }],
    )
  })
}
