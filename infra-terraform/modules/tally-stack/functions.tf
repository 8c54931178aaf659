# ------------------------------------------------------------------------------------------------------- functions
# Each function: its own timeout (the webhook answers Stripe within seconds; a billing run may read a long work
# list), reserved concurrency per environment (so a usage burst cannot take the webhook's), a published version
# behind the `live` alias that every trigger invokes, moved by CodeDeploy: by canary for the webhook (the payment
# path: 10 % for 5 minutes), linearly for the others, rolled back on the function's errors alarm.

module "stripe_webhook_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-stripe-webhook"
  description   = "Verifies and applies Stripe webhooks (customers, subscriptions, prepaid-credit purchases and refunds, invoice payments, entitlements)."
  handler       = "dev.tally.webhook.StripeWebhookHandler::handleRequest"
  filename      = "${local.artifacts_dir}/stripe-webhook/target/stripe-webhook.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 10
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    STRIPE_WEBHOOK_SECRET_ARN = var.stripe_webhook_secret_arn
  })

  reserved_concurrent_executions = var.reserved_concurrency["stripe_webhook"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.stripe_webhook.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "usage_ingest_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-usage-ingest"
  description   = "Validates usage events from SQS and records each exactly once in the event log, or rejects it with a reason."
  handler       = "dev.tally.ingest.UsageIngestHandler::handleRequest"
  filename      = "${local.artifacts_dir}/usage-ingest/target/usage-ingest.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 30
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  reserved_concurrent_executions = var.reserved_concurrency["usage_ingest"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.usage_ingest.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "usage_buckets_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-usage-buckets"
  description   = "Adds each new usage event from the event log's stream to its hourly bucket, exactly once."
  handler       = "dev.tally.buckets.UsageBucketsHandler::handleRequest"
  filename      = "${local.artifacts_dir}/usage-buckets/target/usage-buckets.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 60
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  reserved_concurrent_executions = var.reserved_concurrency["usage_buckets"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.usage_buckets.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "billing_run_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-billing-run"
  description   = "Queues one invoice job per closed account-period; expires credit grants and warns before they expire."
  handler       = "dev.tally.billingrun.BillingRunHandler::handleRequest"
  filename      = "${local.artifacts_dir}/billing-run/target/billing-run.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 120
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    INVOICE_JOBS_QUEUE_URL        = module.invoice_jobs_queue.queue_url
    CREDIT_EXPIRY_WARNING_SECONDS = tostring(var.credit_expiry_warning_seconds)
    EVENT_BUS_NAME                = aws_cloudwatch_event_bus.billing_event_bus.name
  })

  reserved_concurrent_executions = var.reserved_concurrency["billing_run"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  attach_on_failure_destination  = true
  on_failure_destination_arn     = module.billing_run_failures_queue.queue_arn
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.billing_run.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

# Runs from billing-run's artifact half an hour after each billing run (triggers.tf): reconciles the periods invoiced
# since its last run. One at a time.
module "reconciliation_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-reconciliation"
  description   = "Reconciles newly invoiced periods against usage events, buckets, credit ledgers and Stripe."
  handler       = "dev.tally.reconciliation.ReconciliationHandler::handleRequest"
  filename      = "${local.artifacts_dir}/billing-run/target/billing-run.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 900
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  reserved_concurrent_executions = 1
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  attach_on_failure_destination  = true
  on_failure_destination_arn     = module.billing_run_failures_queue.queue_arn
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.reconciliation.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "invoice_generator_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-invoice-generator"
  description   = "Rates an account-period's usage, draws down prepaid credits and writes the invoice once."
  handler       = "dev.tally.invoice.InvoiceGeneratorHandler::handleRequest"
  filename      = "${local.artifacts_dir}/invoice-generator/target/invoice-generator.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 60
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  reserved_concurrent_executions = var.reserved_concurrency["invoice_generator"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.invoice_generator.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "stripe_sync_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-stripe-sync"
  description   = "Pushes each new invoice to Stripe (invoice, invoice items, finalize) with idempotency keys."
  handler       = "dev.tally.stripesync.StripeSyncHandler::handleRequest"
  filename      = "${local.artifacts_dir}/stripe-sync/target/stripe-sync.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 60
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    STRIPE_API_KEY_SECRET_ARN = var.stripe_api_key_secret_arn
  })

  reserved_concurrent_executions = var.reserved_concurrency["stripe_sync"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.stripe_sync.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "billing_alerts_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-billing-alerts"
  description   = "Raises usage, overage, spend, prepaid-balance and credit-expiry alerts on the billing event bus, each once."
  handler       = "dev.tally.alerts.BillingAlertsHandler::handleRequest"
  filename      = "${local.artifacts_dir}/billing-alerts/target/billing-alerts.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 30
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    EVENT_BUS_NAME         = aws_cloudwatch_event_bus.billing_event_bus.name
    USAGE_ALERT_THRESHOLDS = join(",", var.usage_alert_thresholds)
  })

  reserved_concurrent_executions = var.reserved_concurrency["billing_alerts"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.billing_alerts.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "entitlements_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-entitlements"
  description   = "Recomputes entitlements and dunning from payments, plan changes and credit balances; publishes each change once."
  handler       = "dev.tally.entitlement.EntitlementsHandler::handleRequest"
  filename      = "${local.artifacts_dir}/entitlements/target/entitlements.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 30
  tracing_mode  = "Active"

  environment_variables = merge(local.common_environment, {
    EVENT_BUS_NAME = aws_cloudwatch_event_bus.billing_event_bus.name
  })

  reserved_concurrent_executions = var.reserved_concurrency["entitlements"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.entitlements.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

module "entitlements_api_function" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-entitlements-api"
  description   = "Answers GET /entitlements/{account} (IAM-authorised) with what the account may use now."
  handler       = "dev.tally.entitlement.EntitlementsApiHandler::handleRequest"
  filename      = "${local.artifacts_dir}/entitlements/target/entitlements.jar"
  runtime       = "java21"
  architectures = ["arm64"]
  memory_size   = var.lambda_memory_size
  timeout       = 10
  tracing_mode  = "Active"

  environment_variables = local.common_environment

  reserved_concurrent_executions = var.reserved_concurrency["entitlements_api"]
  snap_start                     = var.snap_start
  deployment_config_name         = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
  shift_traffic_on_apply         = var.shift_traffic_on_apply

  attach_policy_json        = true
  policy_json               = data.aws_iam_policy_document.entitlements_api.json
  kms_key_arn               = aws_kms_key.tally_key.arn
  role_permissions_boundary = var.permissions_boundary_arn
  log_retention_in_days     = var.log_retention_in_days
  alarm_actions             = local.alarm_actions
}

# The functions by name, for outputs that list something of each.
locals {
  functions = {
    stripe_webhook    = module.stripe_webhook_function
    usage_ingest      = module.usage_ingest_function
    usage_buckets     = module.usage_buckets_function
    billing_run       = module.billing_run_function
    invoice_generator = module.invoice_generator_function
    stripe_sync       = module.stripe_sync_function
    billing_alerts    = module.billing_alerts_function
    entitlements      = module.entitlements_function
    entitlements_api  = module.entitlements_api_function
  }
}
