provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project = "telehealth"
      Stage   = var.stage
    })
  }
}
