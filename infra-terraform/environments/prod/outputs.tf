output "stripe_webhook_url" {
  description = "URL to register as the Stripe webhook endpoint."
  value       = module.tally.stripe_webhook_url
}

output "usage_queue_url" {
  description = "SQS queue that products send usage events to."
  value       = module.tally.usage_queue_url
}

output "billing_event_bus_name" {
  description = "EventBridge bus that carries billing alerts."
  value       = module.tally.billing_event_bus_name
}

output "dead_letter_queue_urls" {
  description = "Dead-letter and failure queues to inspect and redrive, by source."
  value       = module.tally.dead_letter_queue_urls
}

output "dynamodb_table_names" {
  description = "Table names by the environment variable that carries them."
  value       = module.tally.dynamodb_table_names
}

output "lambda_alias_arns" {
  description = "ARN of each function's live alias."
  value       = module.tally.lambda_alias_arns
}

output "lambda_function_versions" {
  description = "Version each function published in this apply."
  value       = module.tally.lambda_function_versions
}

output "codedeploy_deployment_groups" {
  description = "CodeDeploy application and deployment group of each function."
  value       = module.tally.codedeploy_deployment_groups
}

output "kms_key_arn" {
  description = "The environment's customer managed key."
  value       = module.tally.kms_key_arn
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.tally.alarm_topic_arn
}
