# ------------------------------------------------------------------------------------------------- customer alerts
# billing-alerts and entitlements put each customer alert on the billing bus (source tally.billing, one detail-type
# per kind, the detail versioned: docs/design.md "Customer alerts", schemas in catalog/schema/events/); entitlements
# also puts the product events there (dunning.state_changed, entitlements.changed). The archive keeps every event,
# alerts and product events, for replay to a consumer that missed some; the rule copies only the alert detail-types to
# a log group, the audit trail of what customers were told. Consumers (email, Slack, a product's UI) add their own
# rules on the bus.

locals {
  # AlertType in shared/src/main/java/dev/tally/alerts: infra-tests check that the two lists agree.
  customer_alert_detail_types = [
    "usage.threshold_crossed",
    "usage.overage_started",
    "spend.threshold_crossed",
    "credits.balance_low",
    "credits.balance_exhausted",
    "credits.grant_expiring",
    "credits.grant_expired",
    "payment.failed",
    "dunning.step_reached",
  ]
  # ProductEvents (the same package): archived, not routed to the customer-alerts log.
  product_event_detail_types = [
    "dunning.state_changed",
    "entitlements.changed",
  ]
  customer_alert_pattern = jsonencode({
    source        = ["tally.billing"]
    "detail-type" = local.customer_alert_detail_types
  })
  billing_event_pattern = jsonencode({
    source        = ["tally.billing"]
    "detail-type" = concat(local.customer_alert_detail_types, local.product_event_detail_types)
  })
}

# Encrypted with an AWS owned key: the pinned AWS provider (5.100) has no kms_key_identifier on archives yet (AWS
# recommends the bus's customer managed key; set it when the provider pin moves, and in template.yaml).
resource "aws_cloudwatch_event_archive" "billing_events" {
  name             = "${var.name_prefix}-billing-events"
  description      = "Every Tally customer alert and product event on the billing bus, for replay."
  event_source_arn = aws_cloudwatch_event_bus.billing_event_bus.arn
  event_pattern    = local.billing_event_pattern
  retention_days   = var.alert_archive_retention_days
}

resource "aws_cloudwatch_event_rule" "customer_alerts" {
  name           = "${var.name_prefix}-customer-alerts"
  description    = "Tally's customer alert detail-types, to the customer-alerts log group."
  event_bus_name = aws_cloudwatch_event_bus.billing_event_bus.name
  event_pattern  = local.customer_alert_pattern
}

resource "aws_cloudwatch_log_group" "customer_alerts" {
  name              = "/aws/events/${var.name_prefix}-customer-alerts"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.tally_key.arn
}

resource "aws_cloudwatch_event_target" "customer_alerts_log" {
  rule           = aws_cloudwatch_event_rule.customer_alerts.name
  event_bus_name = aws_cloudwatch_event_bus.billing_event_bus.name
  target_id      = "customer-alerts-log"
  arn            = aws_cloudwatch_log_group.customer_alerts.arn
}

# EventBridge writes to the log group through a resource policy, only for this rule.
data "aws_iam_policy_document" "customer_alerts_log" {
  statement {
    sid       = "CustomerAlertsRuleWritesItsLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.customer_alerts.arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.customer_alerts.arn]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "customer_alerts_log" {
  policy_name     = "${var.name_prefix}-customer-alerts"
  policy_document = data.aws_iam_policy_document.customer_alerts_log.json
}
