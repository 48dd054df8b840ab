output "service_port" {
  description = "NodePort of the server's Service."
  value       = var.service_port
}

output "service_name" {
  description = "Name of the server's Service (port 8080)."
  value       = kubernetes_service.wandb.metadata[0].name
}
