variable "function_name" {
  description = "Name of the Lambda function; also the name of its IAM role and the suffix of its log group."
  type        = string
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = ""
}

variable "handler" {
  description = "Handler, for Java `package.Class::method`."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime identifier."
  type        = string
  default     = "java21"
}

variable "architectures" {
  description = "Instruction set: [\"arm64\"] or [\"x86_64\"]."
  type        = list(string)
  default     = ["arm64"]

  validation {
    condition     = length(var.architectures) == 1 && contains(["arm64", "x86_64"], var.architectures[0])
    error_message = "architectures must be [\"arm64\"] or [\"x86_64\"]."
  }
}

variable "filename" {
  description = "Path to the deployment package (the shaded jar). It must exist at plan time; its SHA-256 decides when the code is updated."
  type        = string
}

variable "memory_size" {
  description = "Memory in MB; CPU is allocated in proportion."
  type        = number
  default     = 1024
}

variable "timeout" {
  description = "Maximum run time of one invocation, in seconds: set per function, from what it does (an HTTP answer, a batch, a scan)."
  type        = number

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function: guaranteed to it and its ceiling, so that a burst elsewhere cannot starve it and it cannot starve others. -1 for none (the account's unreserved pool), 0 stops all invocations."
  type        = number

  validation {
    condition     = var.reserved_concurrent_executions >= -1
    error_message = "reserved_concurrent_executions must be -1 (none) or a count."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the function's environment variables and its log group. The key policy must let CloudWatch Logs use it for this log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "snap_start" {
  description = "Whether published versions start from a SnapStart snapshot (Java): init runs once per version, at publish. The code must read credentials from the container provider and fetch secrets after restore."
  type        = bool
  default     = false
}

variable "alias_name" {
  description = "Name of the alias every trigger invokes and CodeDeploy moves from version to version."
  type        = string
  default     = "live"
}

variable "deployment_config_name" {
  description = "CodeDeploy configuration that shifts the alias to a new version, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes, CodeDeployDefault.LambdaLinear10PercentEvery1Minute, CodeDeployDefault.LambdaAllAtOnce."
  type        = string
  default     = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"

  validation {
    condition     = can(regex("^CodeDeployDefault\\.Lambda(Canary|Linear|AllAtOnce)", var.deployment_config_name))
    error_message = "deployment_config_name must be one of CodeDeploy's Lambda configurations (CodeDeployDefault.Lambda...)."
  }
}

variable "rollback_alarm_names" {
  description = "Alarms, besides the function's own errors alarm, that stop a deployment and roll the alias back."
  type        = list(string)
  default     = []
}

variable "shift_traffic_on_apply" {
  description = "Whether `terraform apply` asks CodeDeploy to move the alias to a newly published version and waits for it (needs the AWS CLI and jq where terraform runs). When false, run modules/lambda-function/scripts/shift-traffic.sh after apply (docs/runbooks/deploy.md)."
  type        = bool
  default     = true
}

variable "attach_on_failure_destination" {
  description = "Whether failed asynchronous invocations go to `on_failure_destination_arn`. A separate flag because the ARN is usually unknown until apply."
  type        = bool
  default     = false
}

variable "on_failure_destination_arn" {
  description = "ARN of an SQS queue that receives asynchronous invocations (schedules, events) that still fail after their retries, or null. The module grants the role sqs:SendMessage on it; grant kms:GenerateDataKey on its key in policy_json."
  type        = string
  default     = null

  validation {
    condition     = var.on_failure_destination_arn == null || can(regex("^arn:aws[a-z-]*:sqs:", coalesce(var.on_failure_destination_arn, "-")))
    error_message = "on_failure_destination_arn must be the ARN of an SQS queue."
  }
}

variable "async_maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (0 to 2) before it goes to the on-failure destination."
  type        = number
  default     = 2
}

variable "async_maximum_event_age_seconds" {
  description = "Oldest asynchronous event (60 to 21600 s) Lambda still tries; older ones go to the on-failure destination."
  type        = number
  default     = 3600
}

variable "role_permissions_boundary" {
  description = "ARN of an IAM policy that bounds the permissions of the function's role and of its deployment role, or null."
  type        = string
  default     = null
}

variable "environment_variables" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: Active or PassThrough."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "log_format" {
  description = "Format of the function's logs: JSON or Text."
  type        = string
  default     = "JSON"

  validation {
    condition     = contains(["JSON", "Text"], var.log_format)
    error_message = "log_format must be JSON or Text."
  }
}

variable "application_log_level" {
  description = "Lowest level of application logs sent to CloudWatch with the JSON format (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)."
  type        = string
  default     = "INFO"
}

variable "system_log_level" {
  description = "Lowest level of Lambda platform logs sent to CloudWatch with the JSON format (DEBUG, INFO, WARN)."
  type        = string
  default     = "INFO"
}

variable "log_retention_in_days" {
  description = "Days the function's log group keeps events."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "attach_policy_json" {
  description = "Whether to attach `policy_json` to the role as an inline policy. A separate flag because the document is usually unknown until apply."
  type        = bool
  default     = false
}

variable "policy_json" {
  description = "IAM policy document (JSON) with everything the function's code and event sources touch: tables, indexes, streams, queues, secrets, buses, and the KMS keys behind them. Its logs, X-Ray, the decryption of its environment and its on-failure destination are granted by the module."
  type        = string
  default     = null
}

variable "errors_alarm_threshold" {
  description = "The alarm fires when the sum of errors in one period is above this."
  type        = number
  default     = 0
}

variable "errors_alarm_period_seconds" {
  description = "Period of the Errors alarm, in seconds."
  type        = number
  default     = 300
}

variable "alarm_actions" {
  description = "ARNs (for example SNS topics) to notify when the errors alarm fires. At least one: an alarm nobody hears is not watching."
  type        = list(string)

  validation {
    condition     = length(var.alarm_actions) > 0
    error_message = "alarm_actions must name at least one action."
  }
}

variable "ok_actions" {
  description = "ARNs (for example SNS topics) to notify when the alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags to add to the function, its roles, log group, alarm and deployment resources."
  type        = map(string)
  default     = {}
}
