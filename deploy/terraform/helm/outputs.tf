output "resource" {
  description = "The WeightsAndBiases resource as namespace/name (kubectl get wandb -n NAMESPACE NAME)."
  value       = "${var.wandb_namespace}/${var.resource_name}"
}

output "operator_namespace" {
  description = "Namespace of the operator release."
  value       = var.operator_chart_namespace
}
