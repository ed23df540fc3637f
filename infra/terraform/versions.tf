terraform {
  # Terraform and provider versions are set once, in modules/telehealth/versions.tf: they bind
  # every root that uses the module (this one and local/).

  # Shared state for a team: bucket, key, region and use_lockfile come from
  # `terraform init -backend-config=...` (docs/deploy.md).
  backend "s3" {}
}
