terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Shared state for a team: bucket, key, region and use_lockfile come from
  # `terraform init -backend-config=...` (docs/deploy.md).
  backend "s3" {}
}
