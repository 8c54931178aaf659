output "lambda_function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "lambda_function_arn" {
  description = "ARN of the function, unqualified: for IAM resources and alarms, never for a trigger (use lambda_alias_arn)."
  value       = aws_lambda_function.this.arn
}

output "lambda_function_version" {
  description = "Version published by this apply; CodeDeploy moves the alias to it."
  value       = aws_lambda_function.this.version
}

output "lambda_alias_name" {
  description = "Name of the alias that triggers invoke."
  value       = aws_lambda_alias.live.name
}

output "lambda_alias_arn" {
  description = "ARN of the alias: what event source mappings, schedules and permissions name."
  value       = aws_lambda_alias.live.arn
}

output "lambda_alias_invoke_arn" {
  description = "ARN for API Gateway to invoke the alias."
  value       = aws_lambda_alias.live.invoke_arn
}

output "lambda_role_name" {
  description = "Name of the function's IAM role."
  value       = aws_iam_role.this.name
}

output "lambda_role_arn" {
  description = "ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "lambda_cloudwatch_log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "lambda_cloudwatch_log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "cloudwatch_metric_alarm_arn" {
  description = "ARN of the errors alarm on the alias."
  value       = aws_cloudwatch_metric_alarm.errors.arn
}

output "codedeploy_app_name" {
  description = "CodeDeploy application that deploys the function."
  value       = aws_codedeploy_app.this.name
}

output "codedeploy_deployment_group_name" {
  description = "CodeDeploy deployment group that shifts the alias."
  value       = aws_codedeploy_deployment_group.this.deployment_group_name
}
