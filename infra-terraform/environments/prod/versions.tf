terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }

  # Partial configuration: pass the rest at init, e.g.
  #   terraform init -backend-config="bucket=<state bucket>" -backend-config="key=tally/prod.tfstate" \
  #                  -backend-config="region=<region>" -backend-config="dynamodb_table=<lock table>"
  # or `terraform init -backend=false` to only validate.
  backend "s3" {}
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(
      {
        Application = "tally"
        Environment = "prod"
        ManagedBy   = "terraform"
      },
      var.tags,
    )
  }
}
