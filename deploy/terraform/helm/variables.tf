# The inputs of W&B's wandb/wandb/helm module, with Ballast's chart locations and names.

variable "spec" {
  type        = any
  description = "The WeightsAndBiases resource's spec: {values = {...}} and optionally chart = {path} | {url, version} | {url, name, version}."

  validation {
    condition     = can(var.spec.values) || can(var.spec.chart)
    error_message = "spec must be an object with values (and optionally chart), as in the seed's operator.yaml."
  }
}

variable "wandb_namespace" {
  type        = string
  description = "Namespace of the WeightsAndBiases resource, so of the app; created when missing."
  default     = "default"
}

variable "resource_name" {
  type        = string
  description = "Name of the WeightsAndBiases resource, and of the app's Helm release."
  default     = "wandb"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.resource_name))
    error_message = "resource_name must be a DNS label of at most 40 characters."
  }
}

variable "operator_chart_namespace" {
  type        = string
  description = "Namespace of the operator release; created when missing."
  default     = "wandb"
}

variable "operator_chart_repository" {
  type        = string
  description = "Helm repository (https://… or oci://…) of the ballast-operator chart; null installs the chart from this repository's charts/ballast-operator."
  default     = null
}

variable "operator_chart_version" {
  type        = string
  description = "Version of the ballast-operator chart in operator_chart_repository; null takes the newest."
  default     = null
}

variable "controller_image_repository" {
  type        = string
  description = "Image repository of the operator."
  default     = "ballast/operator"
}

variable "controller_image_tag" {
  type        = string
  description = "Image tag of the operator; empty uses the chart's appVersion."
  default     = ""
}

variable "operator_values" {
  type        = any
  description = "More values of the operator chart (channel.url, airgapped, namespaceIsolation, customCACerts, …)."
  default     = {}
}

variable "enable_helm_operator" {
  type        = bool
  description = "Install the operator release."
  default     = true
}

variable "enable_helm_wandb" {
  type        = bool
  description = "Install the WeightsAndBiases resource."
  default     = true
}
