# `terraform test` for the module, offline: the AWS provider is mocked. filebase64sha256 needs a file: the test
# points at this test file itself as the "jar".

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-west-1:123456789012:function:test-fn"
      version = "7"
    }
  }
}

variables {
  function_name                  = "test-fn"
  handler                        = "example.Handler::handleRequest"
  filename                       = "tests/function.tftest.hcl"
  timeout                        = 10
  reserved_concurrent_executions = 5
  kms_key_arn                    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  alarm_actions                  = ["arn:aws:sns:eu-west-1:123456789012:alarms"]
}

run "publishes_a_version_behind_an_alias" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.live.name == "live"
    error_message = "The function must publish versions and carry the live alias."
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == var.kms_key_arn && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    error_message = "Environment variables and logs must be encrypted with the given key."
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 5 && length(aws_lambda_function.this.snap_start) == 0
    error_message = "Reserved concurrency as given; SnapStart only when asked."
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this.auto_rollback_configuration[0].enabled && contains(aws_codedeploy_deployment_group.this.alarm_configuration[0].alarms, "test-fn-errors")
    error_message = "CodeDeploy must roll back on the function's errors alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.errors.dimensions.Resource == "test-fn:live"
    error_message = "The errors alarm must watch the alias."
  }

  assert {
    condition     = length(aws_lambda_function_event_invoke_config.this) == 0
    error_message = "No on-failure destination unless one is given."
  }
}

run "snap_start_and_on_failure_destination" {
  command = plan

  variables {
    snap_start                    = true
    attach_on_failure_destination = true
    on_failure_destination_arn    = "arn:aws:sqs:eu-west-1:123456789012:test-fn-failures"
    role_permissions_boundary     = "arn:aws:iam::123456789012:policy/boundary"
  }

  assert {
    condition     = aws_lambda_function.this.snap_start[0].apply_on == "PublishedVersions"
    error_message = "SnapStart applies to published versions."
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this[0].qualifier == "live" && aws_lambda_function_event_invoke_config.this[0].destination_config[0].on_failure[0].destination == var.on_failure_destination_arn
    error_message = "Failed asynchronous invocations of the alias go to the destination."
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == var.role_permissions_boundary && aws_iam_role.codedeploy.permissions_boundary == var.role_permissions_boundary
    error_message = "Both roles carry the permissions boundary."
  }
}

run "rejects_a_deployment_configuration_that_is_not_for_lambda" {
  command = plan

  variables {
    deployment_config_name = "CodeDeployDefault.OneAtATime"
  }

  expect_failures = [var.deployment_config_name]
}
