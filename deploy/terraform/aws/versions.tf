terraform {
  # Validations that refer to other variables need 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.95, < 7.0"
    }
    helm = {
      source = "hashicorp/helm"
      # The seeds configure the provider with the 2.x block form (`kubernetes { … }`).
      version = ">= 2.12, < 3.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6"
    }
    tls = {
      source  = "hashicorp/tls"
      version = ">= 4.0"
    }
  }
}
