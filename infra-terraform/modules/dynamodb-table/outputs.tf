output "dynamodb_table_name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "dynamodb_table_arn" {
  description = "ARN of the table. Indexes are under `<arn>/index/<name>`."
  value       = aws_dynamodb_table.this.arn
}

output "dynamodb_table_stream_arn" {
  description = "ARN of the table's current stream, or null when streams are disabled."
  value       = var.stream_enabled ? aws_dynamodb_table.this.stream_arn : null
}

output "dynamodb_table_stream_label" {
  description = "Timestamp label of the table's current stream, or null when streams are disabled."
  value       = var.stream_enabled ? aws_dynamodb_table.this.stream_label : null
}

output "dynamodb_table_index_arns" {
  description = "ARN of each global secondary index, by index name: grant a query on exactly the index a reader uses."
  value       = { for i in var.global_secondary_indexes : i.name => "${aws_dynamodb_table.this.arn}/index/${i.name}" }
}
