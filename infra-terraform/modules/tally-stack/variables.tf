variable "environment" {
  description = "Name of the environment (dev, prod): in descriptions and tags."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2 to 16 lowercase letters, digits or hyphens."
  }
}

variable "aws_account_id" {
  description = "The AWS account the stack lives in: the key policy and trust conditions name it."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "artifacts_dir" {
  description = "Directory holding functions/<name>/target/<name>.jar; null for the repository's functions/ directory."
  type        = string
  default     = null
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

variable "credit_expiry_warning_seconds" {
  description = "How long before a credit grant expires its credits.grant_expiring alert is raised, seconds (7 days). Template parameter CreditExpiryWarningSeconds."
  type        = number
  default     = 604800

  validation {
    condition     = var.credit_expiry_warning_seconds >= 0
    error_message = "credit_expiry_warning_seconds must not be negative."
  }
}

variable "lambda_memory_size" {
  description = "Memory of every function, in MB (template Globals MemorySize)."
  type        = number
  default     = 1024
}

variable "log_retention_in_days" {
  description = "Days the functions' log groups and the HTTP API's access log group keep events."
  type        = number
  default     = 30
}

variable "alert_archive_retention_days" {
  description = "Days the billing bus's archive keeps Tally's customer alert events for replay (0 keeps them forever)."
  type        = number
  default     = 365

  validation {
    condition     = var.alert_archive_retention_days >= 0
    error_message = "alert_archive_retention_days is 0 (forever) or a number of days."
  }
}

variable "alarm_actions" {
  description = "ARNs to notify when an alarm fires, besides the stack's own `<prefix>-alarms` topic (which every alarm notifies)."
  type        = list(string)
  default     = []
}

variable "reserved_concurrency" {
  description = "Concurrency reserved for each function (guaranteed and capped). The webhook's keeps Stripe's payment events flowing whatever usage does. The account keeps at least 100 unreserved."
  type        = map(number)
  default = {
    stripe_webhook    = 50
    usage_ingest      = 20
    usage_buckets     = 10
    billing_run       = 1
    invoice_generator = 10
    stripe_sync       = 5
    billing_alerts    = 10
    entitlements      = 5
    entitlements_api  = 20
  }

  validation {
    condition     = alltrue([for f in ["stripe_webhook", "usage_ingest", "usage_buckets", "billing_run", "invoice_generator", "stripe_sync", "billing_alerts", "entitlements", "entitlements_api"] : contains(keys(var.reserved_concurrency), f)])
    error_message = "reserved_concurrency must give a value for each of the nine functions."
  }
}

variable "usage_ingest_maximum_concurrency" {
  description = "Most concurrent usage-ingest invocations the usage queue's event source starts (2 to 1000); at most its reserved concurrency, or SQS messages are throttled back to the queue."
  type        = number
  default     = 10

  validation {
    condition     = var.usage_ingest_maximum_concurrency >= 2 && var.usage_ingest_maximum_concurrency <= 1000
    error_message = "usage_ingest_maximum_concurrency must be between 2 and 1000."
  }
}

variable "usage_sender_principal_arns" {
  description = "IAM principals (the products' roles) the usage queue's policy allows to send usage events."
  type        = list(string)
  default     = []
}

variable "usage_queue_depth_alarm_threshold" {
  description = "Visible usage messages above which the usage queue's depth alarm fires."
  type        = number
  default     = 10000
}

variable "snap_start" {
  description = "Whether the functions' published versions start from SnapStart snapshots."
  type        = bool
  default     = true
}

variable "shift_traffic_on_apply" {
  description = "Whether apply asks CodeDeploy to move each `live` alias to the new version and waits (needs the AWS CLI and jq); see docs/runbooks/deploy.md."
  type        = bool
  default     = true
}

variable "permissions_boundary_arn" {
  description = "ARN of an IAM policy that bounds every role the stack creates (functions, deployments, scheduler), or null."
  type        = string
  default     = null
}

variable "table_deletion_protection_enabled" {
  description = "Whether the DynamoDB tables are protected against deletion. The policy tests fail a plan with it off: turn it off only in a deliberate, reviewed apply before destroying an environment."
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


variable "runbook_base_url" {
  description = "Where alarm descriptions point for runbooks: docs/runbooks/ of the repository (a URL of the repository's browser view, or the relative path)."
  type        = string
  default     = "docs/runbooks"
}

variable "webhook_5xx_alarm_threshold" {
  description = "HTTP API 5xx answers to Stripe in 5 minutes above which the on-call is paged (Stripe retries them)."
  type        = number
  default     = 5
}

variable "webhook_4xx_alarm_threshold" {
  description = "HTTP API 4xx answers in 5 minutes above which the on-call is paged (bad signatures or payloads)."
  type        = number
  default     = 10
}

variable "webhook_signature_failure_percent" {
  description = "Share of webhook requests whose signature fails (percent, over 15 minutes) above which the on-call is paged: a rotated secret or someone probing the endpoint."
  type        = number
  default     = 5
}

variable "usage_rejected_percent" {
  description = "Share of usage events rejected (percent of those received, over 15 minutes) above which the on-call is paged."
  type        = number
  default     = 5
}

variable "stream_iterator_age_alarm_seconds" {
  description = "Age of the newest record a stream consumer has read (IteratorAge) above which it is behind."
  type        = number
  default     = 600
}
