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

output "cloudwatch_metric_alarm_arn" {
  description = "ARN of the alarm on visible messages in the dead-letter queue (or in the queue itself without one), or null without an alarm."
  value       = var.create_alarm ? aws_cloudwatch_metric_alarm.dlq_not_empty[0].arn : null
}
