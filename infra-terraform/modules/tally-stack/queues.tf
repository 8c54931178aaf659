# ---------------------------------------------------------------------------------------------------------- queues

module "usage_queue" {
  source = "../../modules/sqs-queue"

  name                       = "${var.name_prefix}-usage"
  visibility_timeout_seconds = 180 # six times usage-ingest's timeout
  message_retention_seconds  = 1209600
  create_dlq                 = true
  max_receive_count          = 5
  kms_key_arn                = aws_kms_key.tally_key.arn
  # The products that push usage, by role: nobody else may send (they also need kms:GenerateDataKey on the key).
  sender_principal_arns       = var.usage_sender_principal_arns
  depth_alarm_threshold       = var.usage_queue_depth_alarm_threshold
  age_alarm_threshold_seconds = 900
  alarm_actions               = local.alarm_actions
}

module "invoice_jobs_queue" {
  source = "../../modules/sqs-queue"

  name                       = "${var.name_prefix}-invoice-jobs"
  visibility_timeout_seconds = 360 # six times invoice-generator's timeout
  message_retention_seconds  = 1209600
  create_dlq                 = true
  max_receive_count          = 5
  kms_key_arn                = aws_kms_key.tally_key.arn
  sender_principal_arns      = [module.billing_run_function.lambda_role_arn]
  # A billing run queues one job per closed period: hundreds at once are normal, an hour's wait is not.
  depth_alarm_threshold       = 10000
  age_alarm_threshold_seconds = 3600
  alarm_actions               = local.alarm_actions
}

# On-failure destination of the stream event source mappings: no consumer, so no DLQ; the alarm watches the queue.
module "stream_failures_queue" {
  source = "../../modules/sqs-queue"

  name                      = "${var.name_prefix}-stream-failures"
  message_retention_seconds = 1209600
  create_dlq                = false
  kms_key_arn               = aws_kms_key.tally_key.arn
  alarm_actions             = local.alarm_actions
}

# On-failure destination of billing-run's asynchronous invocations and dead-letter queue of its schedule: a run that
# still fails after its retries leaves its event here (alarmed). Re-run it with the event's time.
module "billing_run_failures_queue" {
  source = "../../modules/sqs-queue"

  name                      = "${var.name_prefix}-billing-run-failures"
  message_retention_seconds = 1209600
  create_dlq                = false
  kms_key_arn               = aws_kms_key.tally_key.arn
  sender_service_principals = [
    { service = "scheduler.amazonaws.com", source_arn = aws_scheduler_schedule.billing_run_hourly.arn },
    { service = "scheduler.amazonaws.com", source_arn = aws_scheduler_schedule.reconciliation_hourly.arn },
  ]
  alarm_actions = local.alarm_actions
}

# ------------------------------------------------------------------------------------------------------- event bus

resource "aws_cloudwatch_event_bus" "billing_event_bus" {
  name               = "${var.name_prefix}-billing"
  kms_key_identifier = aws_kms_key.tally_key.arn
}
