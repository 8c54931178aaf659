terraform {
  # 1.10: the S3 backend's native lock (use_lockfile); 1.7: mock_provider in tests/.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # State in the bucket that ../../bootstrap creates (versioned, KMS-encrypted, TLS only), locked by an S3 lock
  # object next to it. The bucket and region are per account, so they are given at init:
  #   terraform init -backend-config="bucket=$(terraform -chdir=../../bootstrap output -raw state_bucket)" \
  #                  -backend-config="region=<region>"
  # or `terraform init -backend=false` to validate and test offline.
  backend "s3" {
    key          = "tally/dev.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
