terraform {
  required_version = ">= 1.9"

  required_providers {
    helm = {
      source = "hashicorp/helm"
      # 3.x takes `kubernetes = {…}` as an attribute; the seeds configure the provider with the
      # 2.x block (`provider "helm" { kubernetes { … } }`).
      version = ">= 2.12, < 3.0.0"
    }
  }
}
