# The outputs W&B's module gives (the seeds read url, bucket_name, bucket_region, cluster_name or
# cluster_id, and database_connection_string), and what a migration or a second module needs.

output "url" {
  description = "URL of the instance."
  value       = local.url
}

output "bucket_name" {
  description = "Name of the bucket."
  value       = local.bucket_name
}

output "bucket_path" {
  description = "Prefix inside the bucket."
  value       = var.bucket_path
}

output "bucket_region" {
  description = "Region of the bucket."
  value       = local.region
}

output "bucket_queue_name" {
  description = "Name of the SQS queue of the bucket's object-created notifications; null with the internal queue."
  value       = local.use_sqs ? aws_sqs_queue.files[0].name : null
}

output "bucket_queue" {
  description = "The queue as the app's BUCKET_QUEUE (sqs://NAME or internal://), for the kubernetes module's bucket_queue."
  value       = local.bucket_queue
}

output "kms_key_arn" {
  description = "ARN of the module's KMS key."
  value       = aws_kms_key.key.arn
}

output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.main.name
}

output "cluster_id" {
  description = "The EKS cluster's name, under the output name W&B's module had before v8 (the older seed reads it)."
  value       = aws_eks_cluster.main.name
}

output "cluster_endpoint" {
  description = "API endpoint of the EKS cluster."
  value       = aws_eks_cluster.main.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the EKS cluster."
  value       = aws_eks_cluster.main.certificate_authority[0].data
}

output "cluster_node_role" {
  description = "IAM role of the nodes."
  value       = aws_iam_role.node
}

output "app_role_arn" {
  description = "IAM role the app's pods assume (IRSA): the bucket, its key and the queue."
  value       = aws_iam_role.irsa["app"].arn
}

output "database_connection_string" {
  description = "user:password@endpoint:port/database of Aurora (prefix mysql:// for the kubernetes module)."
  value       = "${aws_rds_cluster.main.master_username}:${random_password.database.result}@${aws_rds_cluster.main.endpoint}:${aws_rds_cluster.main.port}/${var.database_name}"
  sensitive   = true
}

output "database_username" {
  description = "Master user of the database."
  value       = aws_rds_cluster.main.master_username
}

output "database_password" {
  description = "Master password of the database (also in Secrets Manager: database_secret_arn)."
  value       = random_password.database.result
  sensitive   = true
}

output "database_secret_arn" {
  description = "Secrets Manager secret holding the database's credentials."
  value       = aws_secretsmanager_secret.database.arn
}

output "database_instance_type" {
  description = "Instance class of the database."
  value       = local.database_instance_class
}

output "elasticache_connection_string" {
  description = "host:port of the Redis primary; null without a cache."
  value       = local.create_redis ? "${aws_elasticache_replication_group.main[0].primary_endpoint_address}:6379" : null
}

output "redis_connection_string" {
  description = "The cache as a REDIS URL with its auth token and TLS (for the kubernetes module); empty without a cache."
  value       = local.create_redis ? "redis://:${random_password.redis[0].result}@${aws_elasticache_replication_group.main[0].primary_endpoint_address}:6379?tls=true" : ""
  sensitive   = true
}

output "redis_instance_type" {
  description = "Node type of the cache; null without one."
  value       = local.create_redis ? local.cache_node_type : null
}

output "eks_node_count" {
  description = "Nodes of the node group."
  value       = local.node_count
}

output "eks_node_instance_type" {
  description = "Instance types of the nodes."
  value       = local.node_instance_types
}

output "internal_app_port" {
  description = "NodePort a pre-operator app's Service uses (the kubernetes module's service_port default)."
  value       = 32543
}

output "network_id" {
  description = "ID of the VPC."
  value       = local.vpc_id
}

output "network_private_subnets" {
  description = "Private subnets (nodes)."
  value       = local.private_subnet_ids
}

output "network_public_subnets" {
  description = "Public subnets (internet-facing load balancers)."
  value       = local.public_subnet_ids
}

output "standardized_size" {
  description = "The size preset in use."
  value       = var.size
}

output "legacy_app_hostname" {
  description = "Host name for a pre-operator app's Ingress (the kubernetes module's ingress_hostname): the host name while enable_operator_alb is false, old.<host name> with enable_dummy_dns, else empty."
  value       = local.legacy_app_hostname
}

output "wandb_spec" {
  description = "The WeightsAndBiases resource's spec this module applies."
  value       = local.wandb_spec
  sensitive   = true
}

output "acm_certificate_arn" {
  description = "The certificate the app's load balancer serves (created or given); null without TLS."
  value       = local.has_tls ? local.certificate_arn : null
}

output "alb_security_group_id" {
  description = "Security group of the app's load balancer (inbound from the allowed CIDRs), for another Ingress of the same instance."
  value       = aws_security_group.alb.id
}
