# Tally in production: the system that ../../../template.yaml describes for SAM and the local runtime.
#
# Names mirror the template's logical IDs in snake_case (AccountsTable -> module.accounts_table,
# UsageIngestFunction -> module.usage_ingest_function, BillingEventBus -> aws_cloudwatch_event_bus.billing_event_bus,
# StripeWebhookSecretArn -> var.stripe_webhook_secret_arn): infra-tests' TemplateTerraformAgreementTest pairs them by
# these names and fails when the two definitions diverge.

data "aws_caller_identity" "current" {}

locals {
  # Template Globals.Function.Environment: every function gets these.
  common_environment = {
    POWERTOOLS_SERVICE_NAME = "tally"
    JAVA_TOOL_OPTIONS       = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
    # Log4j 2 configuration inside each jar: JSON lines through Powertools' Lambda layout.
    LOG4J_CONFIGURATION_FILE = "log4j2-lambda.xml"
    ACCOUNTS_TABLE           = module.accounts_table.dynamodb_table_name
    SUBSCRIPTIONS_TABLE      = module.subscriptions_table.dynamodb_table_name
    WEBHOOK_EVENTS_TABLE     = module.webhook_events_table.dynamodb_table_name
    USAGE_EVENTS_TABLE       = module.usage_events_table.dynamodb_table_name
    USAGE_BUCKETS_TABLE      = module.usage_buckets_table.dynamodb_table_name
    # Template parameter UsageBackdatingWindowSeconds.
    USAGE_BACKDATING_WINDOW_SECONDS = tostring(var.usage_backdating_window_seconds)
    USAGE_REJECTIONS_TABLE          = module.usage_rejections_table.dynamodb_table_name
    CREDITS_TABLE                   = module.credits_table.dynamodb_table_name
    INVOICES_TABLE                  = module.invoices_table.dynamodb_table_name
    STRIPE_SYNC_TABLE               = module.stripe_sync_table.dynamodb_table_name
    ALERTS_TABLE                    = module.alerts_table.dynamodb_table_name
  }

  # Narrower than SAM's DynamoDBReadPolicy / DynamoDBCrudPolicy, which add Scan, DescribeTable, BatchGetItem,
  # BatchWriteItem and DeleteItem: the handlers (shared/src/main/java/dev/tally) use none of them. Invoices and ledger
  # entries are immutable and webhook dedup markers expire by TTL. TransactWriteItems has no action of its own: each
  # item is authorised by PutItem, UpdateItem or ConditionCheckItem on its table. A handler that starts using another
  # action needs it added here: the local runtime does not enforce IAM, so only production would notice.
  dynamodb_read_actions = [
    "dynamodb:GetItem",
    "dynamodb:Query",
  ]
  dynamodb_write_actions = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
  ]
  # What a DynamoDB stream event source mapping needs (AWSLambdaDynamoDBExecutionRole, scoped to the streams).
  dynamodb_stream_actions = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
  ]
  # What an SQS event source mapping needs (AWSLambdaSQSQueueExecutionRole, scoped to the queue).
  sqs_consume_actions = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
  ]

  # Event filter patterns (template FilterCriteria), written as HCL and encoded with jsonencode.
  new_invoices_filter_pattern = {
    eventName = ["INSERT"]
  }
  new_usage_events_filter_pattern = {
    eventName = ["INSERT"]
  }
  usage_bucket_items_filter_pattern = {
    dynamodb = {
      Keys = {
        bucketKey = {
          S = [{ prefix = "H#" }]
        }
      }
    }
  }
  credit_balances_filter_pattern = {
    dynamodb = {
      Keys = {
        entryKey = {
          S = [{ prefix = "BALANCE#" }]
        }
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------------------- tables

module "accounts_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-accounts"
  hash_key = "accountId"
  attributes = [
    { name = "accountId", type = "S" },
    { name = "stripeCustomerId", type = "S" },
  ]
  global_secondary_indexes = [
    { name = "by-stripe-customer", hash_key = "stripeCustomerId", projection_type = "ALL" },
  ]
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "subscriptions_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-subscriptions"
  hash_key = "subscriptionId"
  attributes = [
    { name = "subscriptionId", type = "S" },
    { name = "accountId", type = "S" },
    { name = "billingState", type = "S" },
    { name = "periodEnd", type = "N" },
  ]
  global_secondary_indexes = [
    { name = "by-account", hash_key = "accountId", projection_type = "ALL" },
    { name = "by-period-end", hash_key = "billingState", range_key = "periodEnd", projection_type = "ALL" },
  ]
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "webhook_events_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-webhook-events"
  hash_key = "eventId"
  attributes = [
    { name = "eventId", type = "S" },
  ]
  ttl_enabled        = true
  ttl_attribute_name = "expiresAt"
  # Dedup markers that expire: the template keeps no backups of them either.
  point_in_time_recovery_enabled = false
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "usage_events_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-usage-events"
  hash_key = "eventKey"
  attributes = [
    { name = "eventKey", type = "S" },
    { name = "seriesHour", type = "S" },
    { name = "timestamp", type = "N" },
  ]
  global_secondary_indexes = [
    {
      name               = "by-series-hour"
      hash_key           = "seriesHour"
      range_key          = "timestamp"
      projection_type    = "INCLUDE"
      non_key_attributes = ["eventId", "quantity", "dimensions", "uniqueValue"]
    },
  ]
  stream_enabled                 = true
  stream_view_type               = "NEW_IMAGE"
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "usage_buckets_table" {
  source = "../../modules/dynamodb-table"

  name      = "${var.name_prefix}-usage-buckets"
  hash_key  = "seriesKey"
  range_key = "bucketKey"
  attributes = [
    { name = "seriesKey", type = "S" },
    { name = "bucketKey", type = "S" },
  ]
  stream_enabled     = true
  stream_view_type   = "NEW_AND_OLD_IMAGES"
  ttl_enabled        = true
  ttl_attribute_name = "expiresAt"
  # Buckets can be rebuilt from the event log, but a restore is quicker: keep backups.
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "usage_rejections_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-usage-rejections"
  hash_key = "rejectionId"
  attributes = [
    { name = "rejectionId", type = "S" },
  ]
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "credits_table" {
  source = "../../modules/dynamodb-table"

  name      = "${var.name_prefix}-credits"
  hash_key  = "accountId"
  range_key = "entryKey"
  attributes = [
    { name = "accountId", type = "S" },
    { name = "entryKey", type = "S" },
  ]
  stream_enabled                 = true
  stream_view_type               = "NEW_AND_OLD_IMAGES"
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "invoices_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-invoices"
  hash_key = "invoiceId"
  attributes = [
    { name = "invoiceId", type = "S" },
    { name = "accountId", type = "S" },
    { name = "periodStart", type = "N" },
  ]
  global_secondary_indexes = [
    { name = "by-account", hash_key = "accountId", range_key = "periodStart", projection_type = "ALL" },
  ]
  stream_enabled                 = true
  stream_view_type               = "NEW_IMAGE"
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "stripe_sync_table" {
  source = "../../modules/dynamodb-table"

  name      = "${var.name_prefix}-stripe-sync"
  hash_key  = "invoiceId"
  range_key = "recordKey"
  attributes = [
    { name = "invoiceId", type = "S" },
    { name = "recordKey", type = "S" },
  ]
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

module "alerts_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-alerts"
  hash_key = "alertId"
  attributes = [
    { name = "alertId", type = "S" },
  ]
  point_in_time_recovery_enabled = true
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

# ---------------------------------------------------------------------------------------------------------- queues

module "usage_queue" {
  source = "../../modules/sqs-queue"

  name                       = "${var.name_prefix}-usage"
  visibility_timeout_seconds = 180
  message_retention_seconds  = 1209600
  create_dlq                 = true
  max_receive_count          = 5
  alarm_actions              = var.alarm_actions
}

module "invoice_jobs_queue" {
  source = "../../modules/sqs-queue"

  name                       = "${var.name_prefix}-invoice-jobs"
  visibility_timeout_seconds = 180
  message_retention_seconds  = 1209600
  create_dlq                 = true
  max_receive_count          = 5
  alarm_actions              = var.alarm_actions
}

# On-failure destination of the stream event source mappings: no consumer, so no DLQ; the alarm watches the queue.
module "stream_failures_queue" {
  source = "../../modules/sqs-queue"

  name                      = "${var.name_prefix}-stream-failures"
  message_retention_seconds = 1209600
  create_dlq                = false
  alarm_actions             = var.alarm_actions
}

# ------------------------------------------------------------------------------------------------------- event bus

resource "aws_cloudwatch_event_bus" "billing_event_bus" {
  name = "${var.name_prefix}-billing"
}

# ----------------------------------------------------------------------------------------------------- permissions
# One policy per function, granting what the template's Policies grant it (narrowed to the actions it needs) plus
# what its event sources need (SAM adds those by itself).

data "aws_iam_policy_document" "stripe_webhook" {
  statement {
    sid     = "ReadBillingState"
    actions = local.dynamodb_read_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      "${module.accounts_table.dynamodb_table_arn}/index/*", # by-stripe-customer
      module.subscriptions_table.dynamodb_table_arn,
      module.webhook_events_table.dynamodb_table_arn,
      module.credits_table.dynamodb_table_arn,
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

  # PartiQL INSERT, 25 to a BatchExecuteStatement: the event log's conditional put.
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
}

data "aws_iam_policy_document" "billing_run" {
  statement {
    sid     = "ReadSubscriptions"
    actions = local.dynamodb_read_actions
    resources = [
      module.subscriptions_table.dynamodb_table_arn,
      "${module.subscriptions_table.dynamodb_table_arn}/index/*", # by-period-end
    ]
  }

  statement {
    sid       = "SendInvoiceJobs"
    actions   = ["sqs:SendMessage"]
    resources = [module.invoice_jobs_queue.queue_arn]
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
      "${module.usage_events_table.dynamodb_table_arn}/index/by-series-hour",
      module.credits_table.dynamodb_table_arn,
      module.invoices_table.dynamodb_table_arn,
      "${module.invoices_table.dynamodb_table_arn}/index/by-account",
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

  statement {
    sid       = "ConsumeInvoiceJobs"
    actions   = local.sqs_consume_actions
    resources = [module.invoice_jobs_queue.queue_arn]
  }
}

data "aws_iam_policy_document" "stripe_sync" {
  statement {
    sid     = "ReadAccountsAndSyncState"
    actions = local.dynamodb_read_actions
    resources = [
      module.accounts_table.dynamodb_table_arn,
      module.stripe_sync_table.dynamodb_table_arn,
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
}

data "aws_iam_policy_document" "billing_alerts" {
  statement {
    sid     = "ReadSubscriptionsUsageAndCredits"
    actions = local.dynamodb_read_actions
    resources = [
      module.subscriptions_table.dynamodb_table_arn,
      "${module.subscriptions_table.dynamodb_table_arn}/index/by-account",
      module.usage_buckets_table.dynamodb_table_arn,
      "${module.usage_events_table.dynamodb_table_arn}/index/by-series-hour",
      module.credits_table.dynamodb_table_arn,
      module.alerts_table.dynamodb_table_arn,
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
}

# ------------------------------------------------------------------------------------------------------- functions

module "stripe_webhook_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-stripe-webhook"
  description   = "Verifies and applies Stripe webhooks (customers, subscriptions, prepaid-credit purchases)."
  handler       = "dev.tally.webhook.StripeWebhookHandler::handleRequest"
  filename      = "${path.module}/../../../functions/stripe-webhook/target/stripe-webhook.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    STRIPE_WEBHOOK_SECRET_ARN = var.stripe_webhook_secret_arn
  })

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.stripe_webhook.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

module "usage_ingest_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-usage-ingest"
  description   = "Validates usage events from SQS and records each exactly once in the event log, or rejects it with a reason."
  handler       = "dev.tally.ingest.UsageIngestHandler::handleRequest"
  filename      = "${path.module}/../../../functions/usage-ingest/target/usage-ingest.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.usage_ingest.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

module "usage_buckets_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-usage-buckets"
  description   = "Adds each new usage event from the event log's stream to its hourly bucket, exactly once."
  handler       = "dev.tally.buckets.UsageBucketsHandler::handleRequest"
  filename      = "${path.module}/../../../functions/usage-buckets/target/usage-buckets.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.usage_buckets.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

module "billing_run_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-billing-run"
  description   = "Finds subscription periods that have closed and queues one invoice job per account-period."
  handler       = "dev.tally.billingrun.BillingRunHandler::handleRequest"
  filename      = "${path.module}/../../../functions/billing-run/target/billing-run.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    INVOICE_JOBS_QUEUE_URL       = module.invoice_jobs_queue.queue_url
    BILLING_GRACE_PERIOD_SECONDS = tostring(var.billing_grace_period_seconds)
  })

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.billing_run.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

module "invoice_generator_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-invoice-generator"
  description   = "Rates an account-period's usage, draws down prepaid credits and writes the invoice once."
  handler       = "dev.tally.invoice.InvoiceGeneratorHandler::handleRequest"
  filename      = "${path.module}/../../../functions/invoice-generator/target/invoice-generator.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.invoice_generator.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

module "stripe_sync_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-stripe-sync"
  description   = "Pushes each new invoice to Stripe (invoice, invoice items, finalize) with idempotency keys."
  handler       = "dev.tally.stripesync.StripeSyncHandler::handleRequest"
  filename      = "${path.module}/../../../functions/stripe-sync/target/stripe-sync.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    STRIPE_API_KEY_SECRET_ARN = var.stripe_api_key_secret_arn
  })

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.stripe_sync.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

module "billing_alerts_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-billing-alerts"
  description   = "Raises usage and prepaid-balance alerts on the billing event bus, once per threshold per period."
  handler       = "dev.tally.alerts.BillingAlertsHandler::handleRequest"
  filename      = "${path.module}/../../../functions/billing-alerts/target/billing-alerts.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = var.lambda_timeout
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    EVENT_BUS_NAME         = aws_cloudwatch_event_bus.billing_event_bus.name
    USAGE_ALERT_THRESHOLDS = join(",", var.usage_alert_thresholds)
  })

  attach_policy_json    = true
  policy_json           = data.aws_iam_policy_document.billing_alerts.json
  log_retention_in_days = var.log_retention_in_days
  alarm_actions         = var.alarm_actions
}

# ------------------------------------------------------------------------------------------ event source mappings

resource "aws_lambda_event_source_mapping" "usage_ingest_usage" {
  function_name                      = module.usage_ingest_function.lambda_function_arn
  event_source_arn                   = module.usage_queue.queue_arn
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  # A usage burst takes at most 8 concurrent executions (and never starves the webhook of concurrency).
  scaling_config {
    maximum_concurrency = 8
  }
}

# One invocation per shard at a time (parallelization factor 1), no bisecting: the bucket markers rely on a shard's
# records arriving in order and a retry starting at the same record (shared/.../usage/UsageBucketService.java).
resource "aws_lambda_event_source_mapping" "usage_buckets_new_usage_events" {
  function_name                      = module.usage_buckets_function.lambda_function_arn
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

resource "aws_lambda_event_source_mapping" "invoice_generator_invoice_jobs" {
  function_name           = module.invoice_generator_function.lambda_function_arn
  event_source_arn        = module.invoice_jobs_queue.queue_arn
  batch_size              = 5
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "stripe_sync_new_invoices" {
  function_name                  = module.stripe_sync_function.lambda_function_arn
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

resource "aws_lambda_event_source_mapping" "billing_alerts_usage_buckets" {
  function_name                      = module.billing_alerts_function.lambda_function_arn
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

resource "aws_lambda_event_source_mapping" "billing_alerts_credit_balances" {
  function_name                  = module.billing_alerts_function.lambda_function_arn
  event_source_arn               = module.credits_table.dynamodb_table_stream_arn
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 100
  maximum_retry_attempts         = 5
  bisect_batch_on_function_error = true
  function_response_types        = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode(local.credit_balances_filter_pattern)
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
  description   = "Tally's public endpoints: Stripe webhooks."
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "stripe_webhook" {
  api_id                 = aws_apigatewayv2_api.http_api.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.stripe_webhook_function.lambda_function_invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "stripe_webhook" {
  api_id    = aws_apigatewayv2_api.http_api.id
  route_key = "POST /webhooks/stripe"
  target    = "integrations/${aws_apigatewayv2_integration.stripe_webhook.id}"
}

resource "aws_cloudwatch_log_group" "http_api_access" {
  name              = "/aws/apigateway/${var.name_prefix}-http-api/access"
  retention_in_days = var.log_retention_in_days
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
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http_api.execution_arn}/*/POST/webhooks/stripe"
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
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "billing_run_scheduler" {
  name               = "${var.name_prefix}-billing-run-scheduler"
  description        = "Lets EventBridge Scheduler invoke the billing-run function."
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume_role.json
}

data "aws_iam_policy_document" "billing_run_scheduler" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [module.billing_run_function.lambda_function_arn]
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
    arn      = module.billing_run_function.lambda_function_arn
    role_arn = aws_iam_role.billing_run_scheduler.arn
    # Scheduler sends only this input: the scheduled time, so a retried run sees the same cut-off.
    input = jsonencode({ time = "<aws.scheduler.scheduled-time>" })

    retry_policy {
      maximum_retry_attempts = 2
    }
  }
}
