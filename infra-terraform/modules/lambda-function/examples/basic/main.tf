# A Java function with SnapStart, reserved concurrency, a `live` alias that CodeDeploy moves by canary, and an
# on-failure queue for its asynchronous invocations. `terraform validate` runs offline; `terraform plan` needs AWS
# credentials and the jar.

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
  description         = "Encrypts the example function's environment, logs and failure queue."
  enable_key_rotation = true
  # A real key policy must also let CloudWatch Logs use the key (see modules/tally-stack/kms.tf).
}

resource "aws_sns_topic" "alarms" {
  name              = "example-alarms"
  kms_master_key_id = aws_kms_key.example.arn
}

resource "aws_sqs_queue" "failures" {
  name              = "example-hello-failures"
  kms_master_key_id = aws_kms_key.example.arn
}

module "hello_function" {
  source = "../.."

  function_name                  = "example-hello"
  handler                        = "example.Hello::handleRequest"
  filename                       = "${path.module}/hello.jar"
  timeout                        = 10
  reserved_concurrent_executions = 5
  snap_start                     = true
  deployment_config_name         = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
  attach_on_failure_destination  = true
  on_failure_destination_arn     = aws_sqs_queue.failures.arn
  kms_key_arn                    = aws_kms_key.example.arn
  alarm_actions                  = [aws_sns_topic.alarms.arn]
}

output "alias_arn" {
  description = "What triggers invoke."
  value       = module.hello_function.lambda_alias_arn
}
