# `terraform test` for the module, offline: the AWS provider is mocked.

mock_provider "aws" {}

variables {
  name     = "test-table"
  hash_key = "id"
  attributes = [
    { name = "id", type = "S" },
    { name = "owner", type = "S" },
  ]
  global_secondary_indexes = [
    { name = "by-owner", hash_key = "owner" },
  ]
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

run "secure_by_default" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled && aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "Deletion protection and point-in-time recovery must be on by default."
  }

  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == var.kms_key_arn
    error_message = "The table must be encrypted with the given customer managed key."
  }

  assert {
    condition     = alltrue([for i in aws_dynamodb_table.this.global_secondary_index : i.projection_type == "ALL"])
    error_message = "A GSI without projection_type projects ALL."
  }
}

run "stream_needs_a_view_type" {
  command = plan

  variables {
    stream_enabled = true
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "rejects_an_unknown_attribute_type" {
  command = plan

  variables {
    attributes = [{ name = "id", type = "X" }]
  }

  expect_failures = [var.attributes]
}
