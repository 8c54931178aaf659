output "lambda_function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "lambda_function_arn" {
  description = "ARN of the function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "lambda_function_invoke_arn" {
  description = "ARN for API Gateway to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
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
  description = "ARN of the Errors alarm, or null without one."
  value       = var.create_errors_alarm ? aws_cloudwatch_metric_alarm.errors[0].arn : null
}
