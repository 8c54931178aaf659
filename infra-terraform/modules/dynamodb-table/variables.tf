variable "name" {
  description = "Name of the DynamoDB table."
  type        = string
}

variable "hash_key" {
  description = "Attribute to use as the partition (hash) key. Must also be declared in `attributes`."
  type        = string
}

variable "range_key" {
  description = "Attribute to use as the sort (range) key, or null for a table with a partition key only. Must also be declared in `attributes`."
  type        = string
  default     = null
}

variable "attributes" {
  description = "Attribute definitions for every attribute used as a key of the table or of an index. `type` is S (string), N (number) or B (binary)."
  type = list(object({
    name = string
    type = string
  }))

  validation {
    condition     = alltrue([for a in var.attributes : contains(["S", "N", "B"], a.type)])
    error_message = "Each attribute type must be one of S, N or B."
  }
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes. `projection_type` is ALL, KEYS_ONLY or INCLUDE; `non_key_attributes` only applies to INCLUDE."
  type = list(object({
    name               = string
    hash_key           = string
    range_key          = optional(string)
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string))
  }))
  default = []

  validation {
    condition     = alltrue([for i in var.global_secondary_indexes : contains(["ALL", "KEYS_ONLY", "INCLUDE"], i.projection_type)])
    error_message = "Each projection_type must be one of ALL, KEYS_ONLY or INCLUDE."
  }
}

variable "stream_enabled" {
  description = "Whether DynamoDB Streams is enabled on the table."
  type        = bool
  default     = false
}

variable "stream_view_type" {
  description = "What a stream record holds when `stream_enabled` is true: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  type        = string
  default     = null

  validation {
    condition     = var.stream_view_type == null || contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], coalesce(var.stream_view_type, "-"))
    error_message = "stream_view_type must be one of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  }
}

variable "ttl_enabled" {
  description = "Whether items expire by time to live."
  type        = bool
  default     = false
}

variable "ttl_attribute_name" {
  description = "Attribute that holds the expiry time, in seconds since the epoch, when `ttl_enabled` is true."
  type        = string
  default     = ""
}

variable "point_in_time_recovery_enabled" {
  description = "Whether point-in-time recovery (continuous backups, 35 days) is enabled."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the table, its indexes, streams and backups."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "deletion_protection_enabled" {
  description = "Whether the table is protected against deletion. On by default: turn it off in a separate apply before destroying the table."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags to add to the table."
  type        = map(string)
  default     = {}
}
