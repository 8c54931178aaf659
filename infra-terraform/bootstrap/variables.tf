variable "aws_region" {
  description = "Region of the state bucket."
  type        = string
}

variable "aws_account_id" {
  description = "The account the bucket belongs to; the provider refuses credentials of any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "bucket_name" {
  description = "Name of the state bucket; null for `tally-terraform-state-<account id>-<region>`."
  type        = string
  default     = null
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted state version is kept (to recover from a bad apply)."
  type        = number
  default     = 90
}
