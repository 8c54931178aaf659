# Tally in development: the same stack (../../modules/tally-stack) as production, smaller. Tables keep deletion
# protection on here too (the policy tests require it); turn it off in a deliberate apply to tear dev down.

locals {
  environment = "dev"
}

provider "aws" {
  region = var.aws_region
  # A plan or apply with credentials of another account stops before it does anything.
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = merge(
      {
        Application = "tally"
        Environment = local.environment
        ManagedBy   = "terraform"
      },
      var.tags,
    )
  }
}

module "tally" {
  source = "../../modules/tally-stack"

  environment    = local.environment
  aws_account_id = var.aws_account_id
  name_prefix    = var.name_prefix

  stripe_webhook_secret_arn    = var.stripe_webhook_secret_arn
  stripe_api_key_secret_arn    = var.stripe_api_key_secret_arn
  billing_grace_period_seconds = 300
  usage_sender_principal_arns  = var.usage_sender_principal_arns

  lambda_memory_size = 1024
  reserved_concurrency = {
    stripe_webhook    = 5
    usage_ingest      = 2
    usage_buckets     = 1
    billing_run       = 1
    invoice_generator = 2
    stripe_sync       = 1
    billing_alerts    = 2
    entitlements      = 1
    entitlements_api  = 2
  }
  usage_ingest_maximum_concurrency  = 2
  usage_queue_depth_alarm_threshold = 1000
  snap_start                        = true
  shift_traffic_on_apply            = var.shift_traffic_on_apply
  log_retention_in_days             = 14
  alarm_actions                     = var.alarm_actions
  permissions_boundary_arn          = var.permissions_boundary_arn
}
