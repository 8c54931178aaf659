# ----------------------------------------------------------------------------------------------------- permissions
# One policy per function, granting what the template's Policies grant it (narrowed to the actions it needs, and to
# the exact index it queries) plus what its event sources need (SAM adds those by itself), and the use of the stack's
# KMS key its queues, streams and bus need. No "*" action; no "*" resource (only X-Ray's, in the module, which has no
# resource-level permissions). infra-tests' PlanPolicyTest checks the plan against these rules.

data "aws_iam_policy_document" "stripe_webhook" {
  statement {
    sid     = "ReadBillingState"
    actions = local.dynamodb_read_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      module.accounts_table.dynamodb_table_index_arns["by-stripe-customer"],
      module.subscriptions_table.dynamodb_table_arn,
      module.webhook_events_table.dynamodb_table_arn,
      module.credits_table.dynamodb_table_arn,
      module.payments_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid     = "WriteBillingState"
    actions = local.dynamodb_write_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_arn,
      module.webhook_events_table.dynamodb_table_arn,
      module.credits_table.dynamodb_table_arn,
      module.payments_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid       = "ReadWebhookSigningSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.stripe_webhook_secret_arn]
  }
}

data "aws_iam_policy_document" "usage_ingest" {
  statement {
    sid     = "ReadAccountsAndUsage"
    actions = local.dynamodb_read_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      module.usage_events_table.dynamodb_table_arn,
      module.usage_rejections_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid     = "WriteUsage"
    actions = local.dynamodb_write_actions
    resources = [
      module.usage_events_table.dynamodb_table_arn,
      module.usage_rejections_table.dynamodb_table_arn,
    ]
  }

  # The event log's conditional put is a PartiQL INSERT, 25 to a BatchExecuteStatement.
  statement {
    sid       = "InsertUsageEvents"
    actions   = ["dynamodb:PartiQLInsert"]
    resources = [module.usage_events_table.dynamodb_table_arn]
  }

  statement {
    sid       = "ConsumeUsageQueue"
    actions   = local.sqs_consume_actions
    resources = [module.usage_queue.queue_arn]
  }

  statement {
    sid       = "DecryptUsageQueue"
    actions   = local.kms_decrypt_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "usage_buckets" {
  statement {
    sid       = "ReadBuckets"
    actions   = local.dynamodb_read_actions
    resources = [module.usage_buckets_table.dynamodb_table_arn]
  }

  statement {
    sid       = "WriteBuckets"
    actions   = local.dynamodb_write_actions
    resources = [module.usage_buckets_table.dynamodb_table_arn]
  }

  # The distinct values of unique_count meters, 25 idempotent puts to a request.
  statement {
    sid       = "WriteDistinctValues"
    actions   = ["dynamodb:BatchWriteItem"]
    resources = [module.usage_buckets_table.dynamodb_table_arn]
  }

  statement {
    sid       = "ReadNewUsageEvents"
    actions   = local.dynamodb_stream_actions
    resources = ["${module.usage_events_table.dynamodb_table_arn}/stream/*"]
  }

  statement {
    sid       = "SendStreamFailures"
    actions   = ["sqs:SendMessage"]
    resources = [module.stream_failures_queue.queue_arn]
  }

  statement {
    sid       = "DecryptEventsEncryptFailures"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "billing_run" {
  statement {
    sid     = "ReadSubscriptionsAndExpiringCredits"
    actions = local.dynamodb_read_actions
    resources = [
      module.subscriptions_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_index_arns["by-period-end"],
      module.credits_table.dynamodb_table_arn,
      module.credits_table.dynamodb_table_index_arns["by-expiry"],
    ]
  }

  statement {
    sid       = "ExpireCredits"
    actions   = local.dynamodb_write_actions
    resources = [module.credits_table.dynamodb_table_arn]
  }

  statement {
    sid       = "SendInvoiceJobs"
    actions   = ["sqs:SendMessage"]
    resources = [module.invoice_jobs_queue.queue_arn]
  }

  statement {
    sid       = "EncryptInvoiceJobsAndFailures"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }

  # The dunning clock: accounts with a step due, what their entitlements derive from, their items, alerts and events.
  statement {
    sid     = "ReadDunningDueAndEntitlementInputs"
    actions = local.dynamodb_read_actions
    resources = [
      module.entitlements_table.dynamodb_table_arn,
      module.entitlements_table.dynamodb_table_index_arns["by-dunning-due"],
      module.accounts_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_index_arns["by-account"],
      module.alerts_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid       = "WriteEntitlementsAndDunningAlerts"
    actions   = local.dynamodb_write_actions
    resources = [module.entitlements_table.dynamodb_table_arn, module.alerts_table.dynamodb_table_arn]
  }

  statement {
    sid       = "PutDunningEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.billing_event_bus.arn]
  }
}

# Reconciliation reads what billing wrote (never writes it) and stores its own reports. It walks the subscriptions
# with Scan (the only function that does), reads the event log through its time index hour by hour.
data "aws_iam_policy_document" "reconciliation" {
  statement {
    sid     = "ReadBillingRecords"
    actions = local.dynamodb_read_actions
    resources = [
      module.subscriptions_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_index_arns["by-account"],
      module.usage_buckets_table.dynamodb_table_arn,
      module.usage_events_table.dynamodb_table_index_arns["by-series-hour"],
      module.credits_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_index_arns["by-account"],
      module.invoice_lines_table.dynamodb_table_arn,
      module.stripe_sync_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid       = "WalkSubscriptions"
    actions   = ["dynamodb:Scan"]
    resources = [module.subscriptions_table.dynamodb_table_arn]
  }

  statement {
    sid       = "ReadLastReport"
    actions   = ["dynamodb:GetItem"]
    resources = [module.reconciliations_table.dynamodb_table_arn]
  }

  statement {
    sid       = "StoreReports"
    actions   = ["dynamodb:PutItem"]
    resources = [module.reconciliations_table.dynamodb_table_arn]
  }

  statement {
    sid       = "DecryptTablesEncryptFailures"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "invoice_generator" {
  statement {
    sid     = "ReadBillingState"
    actions = local.dynamodb_read_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_arn,
      module.usage_buckets_table.dynamodb_table_arn,
      module.usage_events_table.dynamodb_table_index_arns["by-series-hour"],
      module.credits_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_index_arns["by-account"],
      module.invoice_lines_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid     = "WriteInvoicesAndLedger"
    actions = local.dynamodb_write_actions
    resources = [
      module.subscriptions_table.dynamodb_table_arn,
      module.credits_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
    ]
  }

  # A draft's lines are written 25 to a request (BatchWriteItem authorises each item as a PutItem of its own).
  statement {
    sid       = "WriteInvoiceLines"
    actions   = ["dynamodb:PutItem", "dynamodb:BatchWriteItem"]
    resources = [module.invoice_lines_table.dynamodb_table_arn]
  }

  statement {
    sid       = "ConsumeInvoiceJobs"
    actions   = local.sqs_consume_actions
    resources = [module.invoice_jobs_queue.queue_arn]
  }

  statement {
    sid       = "DecryptInvoiceJobs"
    actions   = local.kms_decrypt_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "stripe_sync" {
  statement {
    sid     = "ReadAccountsInvoicesAndSyncState"
    actions = local.dynamodb_read_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      module.stripe_sync_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
      module.invoice_lines_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid       = "WriteSyncState"
    actions   = local.dynamodb_write_actions
    resources = [module.stripe_sync_table.dynamodb_table_arn]
  }

  statement {
    sid       = "ReadNewInvoices"
    actions   = local.dynamodb_stream_actions
    resources = ["${module.invoices_table.dynamodb_table_arn}/stream/*"]
  }

  statement {
    sid       = "SendStreamFailures"
    actions   = ["sqs:SendMessage"]
    resources = [module.stream_failures_queue.queue_arn]
  }

  # Without an API key secret, stripe-sync records its requests and needs no secret.
  dynamic "statement" {
    for_each = var.stripe_api_key_secret_arn == "" ? [] : [var.stripe_api_key_secret_arn]

    content {
      sid       = "ReadStripeApiKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.stripe_api_key_secret_arn]
    }
  }

  statement {
    sid       = "EncryptStreamFailures"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "billing_alerts" {
  statement {
    sid     = "ReadSubscriptionsUsageCreditsAndInvoices"
    actions = local.dynamodb_read_actions
    resources = [
      module.subscriptions_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_index_arns["by-account"],
      module.usage_buckets_table.dynamodb_table_arn,
      module.usage_events_table.dynamodb_table_index_arns["by-series-hour"],
      module.credits_table.dynamodb_table_arn,
      module.alerts_table.dynamodb_table_arn,
      # Spend alerts read the open period's invoice preview: earlier invoices and their lines.
      module.invoices_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_index_arns["by-account"],
      module.invoice_lines_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid       = "WriteAlerts"
    actions   = local.dynamodb_write_actions
    resources = [module.alerts_table.dynamodb_table_arn]
  }

  statement {
    sid     = "ReadBucketAndBalanceChanges"
    actions = local.dynamodb_stream_actions
    resources = [
      "${module.usage_buckets_table.dynamodb_table_arn}/stream/*",
      "${module.credits_table.dynamodb_table_arn}/stream/*",
    ]
  }

  statement {
    sid       = "PutBillingAlerts"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.billing_event_bus.arn]
  }

  statement {
    sid       = "SendStreamFailures"
    actions   = ["sqs:SendMessage"]
    resources = [module.stream_failures_queue.queue_arn]
  }

  statement {
    sid       = "EncryptAlertsAndStreamFailures"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "entitlements" {
  statement {
    sid     = "ReadEntitlementsAndTheirInputs"
    actions = local.dynamodb_read_actions
    resources = [
      module.entitlements_table.dynamodb_table_arn,
      module.accounts_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_index_arns["by-account"],
      module.credits_table.dynamodb_table_arn,
      module.alerts_table.dynamodb_table_arn,
    ]
  }

  statement {
    sid       = "WriteEntitlementsAndDunningAlerts"
    actions   = local.dynamodb_write_actions
    resources = [module.entitlements_table.dynamodb_table_arn, module.alerts_table.dynamodb_table_arn]
  }

  statement {
    sid     = "ReadPlanAndBalanceChanges"
    actions = local.dynamodb_stream_actions
    resources = [
      "${module.subscriptions_table.dynamodb_table_arn}/stream/*",
      "${module.credits_table.dynamodb_table_arn}/stream/*",
      "${module.payments_table.dynamodb_table_arn}/stream/*",
    ]
  }

  statement {
    sid       = "PutEntitlementAndDunningEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.billing_event_bus.arn]
  }

  statement {
    sid       = "SendStreamFailures"
    actions   = ["sqs:SendMessage"]
    resources = [module.stream_failures_queue.queue_arn]
  }

  statement {
    sid       = "EncryptEventsAndStreamFailures"
    actions   = local.kms_send_actions
    resources = [aws_kms_key.tally_key.arn]
  }
}

data "aws_iam_policy_document" "entitlements_api" {
  statement {
    sid     = "ReadEntitlementsAndTheirInputs"
    actions = local.dynamodb_read_actions
    resources = [
      module.entitlements_table.dynamodb_table_arn,
      module.accounts_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_arn,
      module.subscriptions_table.dynamodb_table_index_arns["by-account"],
      module.credits_table.dynamodb_table_arn,
    ]
  }
}
