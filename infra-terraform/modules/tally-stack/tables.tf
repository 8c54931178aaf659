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
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  # Plan changes feed the entitlements function.
  stream_enabled                 = true
  stream_view_type               = "NEW_AND_OLD_IMAGES"
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  kms_key_arn                    = aws_kms_key.tally_key.arn
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

# Each Stripe invoice's payment state, written by the webhook from invoice.* events (order-safe on the event's
# created time); its stream feeds dunning downstream.
module "payments_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-payments"
  hash_key = "stripeInvoiceId"
  attributes = [
    { name = "stripeInvoiceId", type = "S" },
    { name = "accountId", type = "S" },
    { name = "stripeUpdatedAt", type = "N" },
  ]
  global_secondary_indexes = [
    { name = "by-account", hash_key = "accountId", range_key = "stripeUpdatedAt", projection_type = "ALL" },
  ]
  stream_enabled                 = true
  stream_view_type               = "NEW_AND_OLD_IMAGES"
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
    { name = "expiryState", type = "S" },
    { name = "expiresAt", type = "N" },
  ]
  # Sparse: only credit grants with an expiry and something left carry expiryState; the billing run queries it.
  global_secondary_indexes = [
    { name = "by-expiry", hash_key = "expiryState", range_key = "expiresAt", projection_type = "ALL" },
  ]
  stream_enabled                 = true
  stream_view_type               = "NEW_AND_OLD_IMAGES"
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
    { name = "attention", type = "S" },
    { name = "createdAt", type = "N" },
  ]
  global_secondary_indexes = [
    { name = "by-account", hash_key = "accountId", range_key = "periodStart", projection_type = "ALL" },
    # Sparse: only drafts whose rating failed carry `attention`.
    { name = "by-attention", hash_key = "attention", range_key = "createdAt", projection_type = "ALL" },
  ]
  stream_enabled                 = true
  stream_view_type               = "NEW_AND_OLD_IMAGES"
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

# One item per invoice line and draft attempt (sort key `<attempt>#<line id>`): an invoice with hundreds of lines
# fits, and a finalized invoice names the attempt whose lines are its own.
module "invoice_lines_table" {
  source = "../../modules/dynamodb-table"

  name      = "${var.name_prefix}-invoice-lines"
  hash_key  = "invoiceId"
  range_key = "lineKey"
  attributes = [
    { name = "invoiceId", type = "S" },
    { name = "lineKey", type = "S" },
  ]
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  kms_key_arn                    = aws_kms_key.tally_key.arn
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
  kms_key_arn                    = aws_kms_key.tally_key.arn
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

# One item per account: entitlements, dunning standing, transition history, event outbox (versioned). by-dunning-due is
# sparse: only accounts with a dunning step ahead carry dunningDue; the billing run queries it.
module "entitlements_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-entitlements"
  hash_key = "accountId"
  attributes = [
    { name = "accountId", type = "S" },
    { name = "dunningDue", type = "S" },
    { name = "nextStepAt", type = "N" },
  ]
  global_secondary_indexes = [
    { name = "by-dunning-due", hash_key = "dunningDue", range_key = "nextStepAt", projection_type = "KEYS_ONLY" },
  ]
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}

# One report per reconciliation run (RUN#<run id>, kept 90 days by TTL), the latest (LATEST) and where the scheduled
# runs stopped (SCHEDULED).
module "reconciliations_table" {
  source = "../../modules/dynamodb-table"

  name     = "${var.name_prefix}-reconciliations"
  hash_key = "runKey"
  attributes = [
    { name = "runKey", type = "S" },
  ]
  ttl_enabled                    = true
  ttl_attribute_name             = "expiresAt"
  point_in_time_recovery_enabled = true
  kms_key_arn                    = aws_kms_key.tally_key.arn
  deletion_protection_enabled    = var.table_deletion_protection_enabled
}
