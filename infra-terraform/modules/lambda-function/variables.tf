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
  description = "Maximum run time of one invocation, in seconds."
  type        = number
  default     = 30
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; -1 for none (the account's unreserved pool), 0 to stop all invocations."
  type        = number
  default     = -1
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
  description = "IAM policy document (JSON) with everything the function's code and event sources touch: tables, indexes, streams, queues, secrets, buses. Logs and X-Ray are granted by the module."
  type        = string
  default     = null
}

variable "create_errors_alarm" {
  description = "Whether to create an alarm on the function's Errors metric."
  type        = bool
  default     = true
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
  description = "ARNs (for example SNS topics) to notify when the alarm fires."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "ARNs (for example SNS topics) to notify when the alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags to add to the function, its role, log group and alarm."
  type        = map(string)
  default     = {}
}
