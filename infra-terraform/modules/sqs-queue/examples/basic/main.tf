# A work queue with its dead-letter queue, encrypted with its own key, that one producer role may send to, with its
# alarms notifying a topic. `terraform validate` runs offline; `terraform plan` needs AWS credentials.

terraform {
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "producer_role_arn" {
  description = "Role of the service that sends work."
  type        = string
  default     = "arn:aws:iam::123456789012:role/example-producer"
}

resource "aws_kms_key" "example" {
  description         = "Encrypts the example queues."
  enable_key_rotation = true
}

resource "aws_sns_topic" "alarms" {
  name              = "example-alarms"
  kms_master_key_id = aws_kms_key.example.arn
}

module "work_queue" {
  source = "../.."

  name                       = "example-work"
  visibility_timeout_seconds = 180
  kms_key_arn                = aws_kms_key.example.arn
  sender_principal_arns      = [var.producer_role_arn]
  alarm_actions              = [aws_sns_topic.alarms.arn]
}

output "queue_url" {
  description = "URL of the work queue."
  value       = module.work_queue.queue_url
}
