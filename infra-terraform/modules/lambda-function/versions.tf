terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      # logging_config on aws_lambda_function needs 5.28 or later.
      source  = "hashicorp/aws"
      version = ">= 5.28"
    }
  }
}
