# `terraform test` for the state bootstrap, offline: the AWS provider is mocked.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  aws_region     = "eu-west-1"
  aws_account_id = "123456789012"
}

run "versioned_encrypted_private_bucket" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "tally-terraform-state-123456789012-eu-west-1"
    error_message = "The bucket is named after the account and region."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State versions must be kept."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "State must be encrypted with the KMS key."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.state.block_public_policy && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    error_message = "The bucket must not be public."
  }
}
