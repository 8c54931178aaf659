# `terraform test` for the module, offline: the AWS provider is mocked.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name                  = "test-work"
  kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  sender_principal_arns = ["arn:aws:iam::123456789012:role/producer"]
  alarm_actions         = ["arn:aws:sns:eu-west-1:123456789012:alarms"]
}

run "queue_and_dlq_encrypted_and_watched" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dlq[0].kms_master_key_id == var.kms_key_arn
    error_message = "The queue and its DLQ must be encrypted with the given key."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_messages.dimensions.QueueName == "test-work-dlq"
    error_message = "Without a consumer, the DLQ is what the failed-messages alarm watches."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.depth) == 1 && length(aws_cloudwatch_metric_alarm.age) == 1
    error_message = "A work queue has depth and age alarms."
  }

  assert {
    condition     = anytrue([for p in data.aws_iam_policy_document.queue.statement[0].principals : contains(p.identifiers, "arn:aws:iam::123456789012:role/producer")])
    error_message = "The queue policy must name its sender."
  }
}

run "failure_destination_watches_itself" {
  command = plan

  variables {
    create_dlq            = false
    sender_principal_arns = []
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_messages.dimensions.QueueName == "test-work" && length(aws_sqs_queue.dlq) == 0
    error_message = "A queue without a DLQ is watched itself."
  }
}

run "an_alarm_needs_an_action" {
  command = plan

  variables {
    alarm_actions = []
  }

  expect_failures = [var.alarm_actions]
}
