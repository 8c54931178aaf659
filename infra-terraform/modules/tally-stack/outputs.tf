output "stripe_webhook_url" {
  description = "URL to register as the Stripe webhook endpoint."
  value       = "${aws_apigatewayv2_api.http_api.api_endpoint}/webhooks/stripe"
}

output "usage_queue_url" {
  description = "SQS queue that products send usage events to."
  value       = module.usage_queue.queue_url
}

output "billing_event_bus_name" {
  description = "EventBridge bus that carries billing alerts."
  value       = aws_cloudwatch_event_bus.billing_event_bus.name
}

output "usage_queue_arn" {
  description = "ARN of the usage queue, for the products' send permissions."
  value       = module.usage_queue.queue_arn
}

output "dead_letter_queue_urls" {
  description = "Dead-letter and failure queues to inspect and redrive, by source."
  value = {
    usage                = module.usage_queue.dead_letter_queue_url
    invoice_jobs         = module.invoice_jobs_queue.dead_letter_queue_url
    stream_failures      = module.stream_failures_queue.queue_url
    billing_run_failures = module.billing_run_failures_queue.queue_url
  }
}

output "dynamodb_table_names" {
  description = "Table names by the environment variable that carries them."
  value = {
    for k, v in local.common_environment : k => v if endswith(k, "_TABLE")
  }
}

output "lambda_function_names" {
  description = "Function names, by function."
  value = {
    stripe_webhook    = module.stripe_webhook_function.lambda_function_name
    usage_ingest      = module.usage_ingest_function.lambda_function_name
    billing_run       = module.billing_run_function.lambda_function_name
    invoice_generator = module.invoice_generator_function.lambda_function_name
    stripe_sync       = module.stripe_sync_function.lambda_function_name
    billing_alerts    = module.billing_alerts_function.lambda_function_name
  }
}

output "lambda_alias_arns" {
  description = "ARN of each function's `live` alias, by function: what triggers and callers invoke."
  value = {
    stripe_webhook    = module.stripe_webhook_function.lambda_alias_arn
    usage_ingest      = module.usage_ingest_function.lambda_alias_arn
    billing_run       = module.billing_run_function.lambda_alias_arn
    invoice_generator = module.invoice_generator_function.lambda_alias_arn
    stripe_sync       = module.stripe_sync_function.lambda_alias_arn
    billing_alerts    = module.billing_alerts_function.lambda_alias_arn
  }
}

output "lambda_function_versions" {
  description = "Version each function published in this apply (the alias moves to it through CodeDeploy)."
  value = {
    stripe_webhook    = module.stripe_webhook_function.lambda_function_version
    usage_ingest      = module.usage_ingest_function.lambda_function_version
    billing_run       = module.billing_run_function.lambda_function_version
    invoice_generator = module.invoice_generator_function.lambda_function_version
    stripe_sync       = module.stripe_sync_function.lambda_function_version
    billing_alerts    = module.billing_alerts_function.lambda_function_version
  }
}

output "codedeploy_deployment_groups" {
  description = "CodeDeploy application and deployment group of each function, for docs/runbooks (promote, roll back)."
  value = {
    for name, m in {
      stripe_webhook    = module.stripe_webhook_function
      usage_ingest      = module.usage_ingest_function
      billing_run       = module.billing_run_function
      invoice_generator = module.invoice_generator_function
      stripe_sync       = module.stripe_sync_function
      billing_alerts    = module.billing_alerts_function
    } : name => { application = m.codedeploy_app_name, deployment_group = m.codedeploy_deployment_group_name }
  }
}

output "kms_key_arn" {
  description = "The stack's customer managed key; usage producers need kms:GenerateDataKey on it to send."
  value       = aws_kms_key.tally_key.arn
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies: subscribe the on-call channel."
  value       = aws_sns_topic.alarms.arn
}
