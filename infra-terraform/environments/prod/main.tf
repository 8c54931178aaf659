# Tally in production: the stack (../../modules/tally-stack) with production's sizes and protections.

locals {
  environment = "prod"
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
  billing_grace_period_seconds = var.billing_grace_period_seconds
  usage_alert_thresholds       = var.usage_alert_thresholds
  usage_sender_principal_arns  = var.usage_sender_principal_arns

  lambda_memory_size               = 1024
  reserved_concurrency             = var.reserved_concurrency
  usage_ingest_maximum_concurrency = 10
  snap_start                       = true
  shift_traffic_on_apply           = var.shift_traffic_on_apply
  log_retention_in_days            = 90
  alarm_actions                    = var.alarm_actions
  permissions_boundary_arn         = var.permissions_boundary_arn
}
