variable "aws_region" {
  description = "AWS region to deploy to."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (the counterpart of the SAM stack name): tables are `<prefix>-accounts`, the bus `<prefix>-billing`, ..."
  type        = string
  default     = "tally"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,29}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "stripe_webhook_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the Stripe webhook signing secret (whsec_...). Template parameter StripeWebhookSecretArn."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+", var.stripe_webhook_secret_arn))
    error_message = "stripe_webhook_secret_arn must be the ARN of a Secrets Manager secret."
  }
}

variable "stripe_api_key_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the Stripe secret API key. Empty: stripe-sync records its requests instead of sending them (and gets no secret permission). Template parameter StripeApiKeySecretArn."
  type        = string
  default     = ""

  validation {
    condition     = var.stripe_api_key_secret_arn == "" || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+", var.stripe_api_key_secret_arn))
    error_message = "stripe_api_key_secret_arn must be empty or the ARN of a Secrets Manager secret."
  }
}

variable "billing_grace_period_seconds" {
  description = "Seconds after a billing period closes before it is invoiced, so that late usage still counts. Template parameter BillingGracePeriodSeconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.billing_grace_period_seconds >= 0
    error_message = "billing_grace_period_seconds must not be negative."
  }
}

variable "usage_backdating_window_seconds" {
  description = "How old a usage event may be when it arrives (35 days, like Stripe meters); older events are rejected. Template parameter UsageBackdatingWindowSeconds."
  type        = number
  default     = 3024000

  validation {
    condition     = var.usage_backdating_window_seconds > 0
    error_message = "usage_backdating_window_seconds must be positive."
  }
}

variable "usage_alert_thresholds" {
  description = "Shares of an included or prepaid quantity at which a usage alert is raised, once per period (passed to billing-alerts comma-separated). Template parameter UsageAlertThresholds."
  type        = list(number)
  default     = [0.5, 0.8, 1.0]

  validation {
    condition     = length(var.usage_alert_thresholds) > 0 && alltrue([for t in var.usage_alert_thresholds : t > 0])
    error_message = "usage_alert_thresholds must hold at least one share, each greater than 0."
  }
}

variable "lambda_memory_size" {
  description = "Memory of every function, in MB (template Globals MemorySize)."
  type        = number
  default     = 1024
}

variable "lambda_timeout" {
  description = "Timeout of every function, in seconds (template Globals Timeout)."
  type        = number
  default     = 30

  validation {
    # Lambda's guidance for SQS event sources: visibility timeout >= 6 x function timeout.
    condition     = var.lambda_timeout >= 1 && var.lambda_timeout * 6 <= 180
    error_message = "lambda_timeout must be between 1 and 30: the queues' visibility timeout (180 s) must be at least six times the function timeout. Raise both together."
  }
}

variable "log_retention_in_days" {
  description = "Days the functions' log groups and the HTTP API's access log group keep events."
  type        = number
  default     = 30
}

variable "alarm_actions" {
  description = "ARNs of SNS topics to notify when an alarm fires (function errors, messages in a dead-letter or failure queue)."
  type        = list(string)
  default     = []
}

variable "table_deletion_protection_enabled" {
  description = "Whether the DynamoDB tables are protected against deletion."
  type        = bool
  default     = true
}

variable "webhook_throttling_burst_limit" {
  description = "Burst limit of the HTTP API's default route settings (requests)."
  type        = number
  default     = 100
}

variable "webhook_throttling_rate_limit" {
  description = "Steady-state rate limit of the HTTP API's default route settings (requests per second)."
  type        = number
  default     = 50
}

variable "tags" {
  description = "Tags added to every resource, on top of Application, Environment and ManagedBy."
  type        = map(string)
  default     = {}
}
