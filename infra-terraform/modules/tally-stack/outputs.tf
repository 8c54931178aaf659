output "stripe_webhook_url" {
  description = "URL to register as the Stripe webhook endpoint."
  value       = "${aws_apigatewayv2_api.http_api.api_endpoint}/webhooks/stripe"
}

output "usage_queue_url" {
  description = "SQS queue that products send usage events to."
  value       = module.usage_queue.queue_url
}

output "entitlements_url" {
  description = "GET <url>/<account>: what an account may use now (IAM-authorised, SigV4)."
  value       = "${aws_apigatewayv2_api.http_api.api_endpoint}/entitlements"
}

output "entitlements_table_name" {
  description = "Entitlements table, for products that read it with the EntitlementsClient library."
  value       = module.entitlements_table.dynamodb_table_name
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
  value       = { for name, fn in local.functions : name => fn.lambda_function_name }
}

output "lambda_alias_arns" {
  description = "ARN of each function's `live` alias, by function: what triggers and callers invoke."
  value       = { for name, fn in local.functions : name => fn.lambda_alias_arn }
}

output "lambda_function_versions" {
  description = "Version each function published in this apply (the alias moves to it through CodeDeploy)."
  value       = { for name, fn in local.functions : name => fn.lambda_function_version }
}

output "codedeploy_deployment_groups" {
  description = "CodeDeploy application and deployment group of each function, for docs/runbooks (promote, roll back)."
  value = {
    for name, fn in local.functions : name => { application = fn.codedeploy_app_name, deployment_group = fn.codedeploy_deployment_group_name }
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
