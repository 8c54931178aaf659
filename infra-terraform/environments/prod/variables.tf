variable "aws_region" {
  description = "AWS region to deploy to."
  type        = string
}

variable "aws_account_id" {
  description = "The account this environment lives in; the provider refuses credentials of any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: tables are `<prefix>-accounts`, the bus `<prefix>-billing`, ..."
  type        = string
  default     = "tally"
}

variable "stripe_webhook_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the Stripe webhook signing secret (whsec_...)."
  type        = string
}

variable "stripe_api_key_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the Stripe secret API key; empty records the requests instead."
  type        = string
  default     = ""
}

variable "usage_sender_principal_arns" {
  description = "IAM roles of the products allowed to send usage events."
  type        = list(string)
  default     = []
}

variable "alarm_actions" {
  description = "ARNs to notify when an alarm fires, besides the stack's own alarm topic."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "ARN of the IAM policy that bounds every role the stack creates, or null."
  type        = string
  default     = null
}

variable "shift_traffic_on_apply" {
  description = "Whether apply moves each `live` alias through CodeDeploy and waits (needs the AWS CLI and jq); see docs/runbooks/deploy.md."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource, on top of Application, Environment and ManagedBy."
  type        = map(string)
  default     = {}
}

variable "billing_grace_period_seconds" {
  description = "Seconds after a billing period closes before it is invoiced, so that late usage still counts."
  type        = number
  default     = 3600
}

variable "usage_alert_thresholds" {
  description = "Shares of an included or prepaid quantity at which a usage alert is raised, once per period."
  type        = list(number)
  default     = [0.5, 0.8, 1.0]
}

variable "reserved_concurrency" {
  description = "Concurrency reserved for each function in production."
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
}
