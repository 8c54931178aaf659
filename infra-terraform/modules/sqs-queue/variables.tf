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

variable "sqs_managed_sse_enabled" {
  description = "Whether messages are encrypted at rest with SQS-owned keys (SSE-SQS), on the queue and on its dead-letter queue."
  type        = bool
  default     = true
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

variable "create_alarm" {
  description = "Whether to create an alarm that fires when messages are visible in the dead-letter queue, or, with `create_dlq = false`, in this queue itself (for a queue that is a failure destination)."
  type        = bool
  default     = true
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

variable "alarm_period_seconds" {
  description = "Period of the alarm's metric, in seconds."
  type        = number
  default     = 300
}

variable "tags" {
  description = "Tags to add to the queues and the alarm."
  type        = map(string)
  default     = {}
}
