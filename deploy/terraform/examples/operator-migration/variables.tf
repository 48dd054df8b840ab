variable "region" {
  type        = string
  description = "AWS region."
  default     = "eu-central-1"
}

variable "namespace" {
  type        = string
  description = "Prefix of every resource name."
}

variable "domain_name" {
  type        = string
  description = "Domain of the instance."
}

variable "subdomain" {
  type        = string
  description = "Subdomain of the instance."
  default     = null
}

variable "zone_id" {
  type        = string
  description = "Route53 hosted zone of domain_name."
}

variable "wandb_license" {
  type        = string
  description = "License string."
  sensitive   = true
}

variable "wandb_version" {
  type        = string
  description = "Image tag of the pre-operator app (after the migration the operator picks the version)."
  default     = "latest"
}

variable "allowed_inbound_cidr" {
  type        = list(string)
  description = "IPv4 CIDRs allowed to reach the instance."
  default     = ["0.0.0.0/0"]
}

variable "allowed_inbound_ipv6_cidr" {
  type        = list(string)
  description = "IPv6 CIDRs allowed to reach the instance."
  default     = ["::/0"]
}

variable "size" {
  type        = string
  description = "Deployment size preset."
  default     = "small"
}

variable "enable_dummy_dns" {
  type        = bool
  description = "Move the pre-operator app to old.<host name>."
  default     = false
}

variable "enable_operator_alb" {
  type        = bool
  description = "Give the host name to the operator-managed app's load balancer."
  default     = false
}

variable "custom_domain_filter" {
  type        = string
  description = "Domain external-dns manages records in."
  default     = null
}
