# `terraform test` for the environment, offline: the AWS provider is mocked. The stack's own behaviour is tested in
# modules/tally-stack/tests; this checks the environment's wiring and variables. The jars must exist (infra-tests
# runs this in a copy with placeholder jars).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  aws_region                = "eu-west-1"
  aws_account_id            = "123456789012"
  stripe_webhook_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally/stripe-webhook-AbCdEf"
}

run "plans" {
  command = plan

  assert {
    condition     = output.billing_event_bus_name == "${var.name_prefix}-billing"
    error_message = "The event bus must be named <name_prefix>-billing."
  }

  assert {
    condition     = length(output.lambda_alias_arns) == 9 && length(output.codedeploy_deployment_groups) == 9
    error_message = "Every function has an alias and a deployment group."
  }
}

run "rejects_an_account_id_that_is_not_one" {
  command = plan

  variables {
    aws_account_id = "prod"
  }

  expect_failures = [var.aws_account_id]
}
