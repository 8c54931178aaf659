output "state_bucket" {
  description = "Bucket to pass to the environments' `terraform init -backend-config=bucket=...`."
  value       = aws_s3_bucket.state.bucket
}

output "state_kms_key_arn" {
  description = "Key that encrypts the state objects; whoever runs terraform needs kms:Decrypt and kms:GenerateDataKey on it."
  value       = aws_kms_key.state.arn
}
