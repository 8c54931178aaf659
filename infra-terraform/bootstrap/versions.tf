terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The bootstrap's own state is local: it holds one bucket and one key, and is applied once per account. Keep the
  # terraform.tfstate it writes with the account's records (it is git-ignored), or import the two resources again.
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Application = "tally"
      Component   = "terraform-state"
      ManagedBy   = "terraform"
    }
  }
}
