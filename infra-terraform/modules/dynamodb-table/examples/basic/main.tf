# A table with a sort key, a GSI, a stream and TTL, encrypted with its own key. `terraform init && terraform plan`
# with AWS credentials; `terraform validate` runs offline.

terraform {
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_kms_key" "example" {
  description         = "Encrypts the example table."
  enable_key_rotation = true
}

module "orders_table" {
  source = "../.."

  name      = "example-orders"
  hash_key  = "customerId"
  range_key = "orderId"
  attributes = [
    { name = "customerId", type = "S" },
    { name = "orderId", type = "S" },
    { name = "status", type = "S" },
  ]
  global_secondary_indexes = [
    { name = "by-status", hash_key = "status", range_key = "orderId", projection_type = "KEYS_ONLY" },
  ]
  stream_enabled     = true
  stream_view_type   = "NEW_AND_OLD_IMAGES"
  ttl_enabled        = true
  ttl_attribute_name = "expiresAt"
  kms_key_arn        = aws_kms_key.example.arn
}

output "table_arn" {
  description = "ARN of the example table."
  value       = module.orders_table.dynamodb_table_arn
}

output "index_arns" {
  description = "ARNs of its indexes, by name."
  value       = module.orders_table.dynamodb_table_index_arns
}
