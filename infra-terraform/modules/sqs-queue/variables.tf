variable "name" {
  description = "Name of the queue. The dead-letter queue is named `<name>-dlq`."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Seconds a received message stays hidden from other consumers. For a Lambda event source, at least six times the function timeout."
  type        = number
  default     = 30

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200."
  }
}

variable "message_retention_seconds" {
  description = "Seconds the queue keeps a message (60 to 1209600)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600."
  }
}

variable "receive_wait_time_seconds" {
  description = "Long-polling wait for ReceiveMessage, in seconds (0 to 20)."
  type        = number
  default     = 0
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the queue and its dead-letter queue. Senders need kms:GenerateDataKey and consumers kms:Decrypt on it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  description = "Seconds SQS reuses a data key before calling KMS again (60 to 86400): longer is cheaper, shorter limits what one key encrypts."
  type        = number
  default     = 300
}

variable "sender_principal_arns" {
  description = "IAM principals (role or account ARNs) the queue policy allows to send messages. Principals of the same account may also send when their IAM policy allows it."
  type        = list(string)
  default     = []
}

variable "sender_service_principals" {
  description = "AWS services allowed to send, each only on behalf of one resource: `service` (e.g. scheduler.amazonaws.com) and `source_arn`."
  type = list(object({
    service    = string
    source_arn = string
  }))
  default = []
}

variable "create_dlq" {
  description = "Whether to create a dead-letter queue and a redrive policy that moves a message there after `max_receive_count` receives."
  type        = bool
  default     = true
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "dlq_message_retention_seconds" {
  description = "Seconds the dead-letter queue keeps a message (60 to 1209600). Keep it at least as long as the source queue's retention."
  type        = number
  default     = 1209600
}

variable "depth_alarm_threshold" {
  description = "The depth alarm fires when more messages than this are visible for three periods in a row (queues with a DLQ)."
  type        = number
  default     = 1000
}

variable "age_alarm_threshold_seconds" {
  description = "The age alarm fires when the oldest message is older than this (queues with a DLQ)."
  type        = number
  default     = 900
}

variable "alarm_actions" {
  description = "ARNs (for example SNS topics) to notify when an alarm fires. At least one: an alarm nobody hears is not watching."
  type        = list(string)

  validation {
    condition     = length(var.alarm_actions) > 0
    error_message = "alarm_actions must name at least one action."
  }
}

variable "ok_actions" {
  description = "ARNs (for example SNS topics) to notify when an alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "alarm_period_seconds" {
  description = "Period of the alarms' metrics, in seconds."
  type        = number
  default     = 300
}

variable "tags" {
  description = "Tags to add to the queues and the alarms."
  type        = map(string)
  default     = {}
}
