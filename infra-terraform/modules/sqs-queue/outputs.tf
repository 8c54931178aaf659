output "queue_name" {
  description = "Name of the queue."
  value       = aws_sqs_queue.this.name
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.url
}

output "dead_letter_queue_name" {
  description = "Name of the dead-letter queue, or null without one."
  value       = var.create_dlq ? aws_sqs_queue.dlq[0].name : null
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue, or null without one."
  value       = var.create_dlq ? aws_sqs_queue.dlq[0].arn : null
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue, or null without one."
  value       = var.create_dlq ? aws_sqs_queue.dlq[0].url : null
}

output "cloudwatch_metric_alarm_arns" {
  description = "ARNs of the queue's alarms: failed messages (in the DLQ, or in the queue itself without one), and with a DLQ depth and age."
  value = concat(
    [aws_cloudwatch_metric_alarm.failed_messages.arn],
    aws_cloudwatch_metric_alarm.depth[*].arn,
    aws_cloudwatch_metric_alarm.age[*].arn,
  )
}
