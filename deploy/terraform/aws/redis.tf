# Optional ElastiCache Redis (create_elasticache, or the docs' create_elasticache_subnet): two nodes
# across zones with failover, TLS in transit with an auth token, encrypted at rest.

resource "random_password" "redis" {
  count = local.create_redis ? 1 : 0

  length = 48
  # ElastiCache refuses / " @ in auth tokens, and the token travels inside a redis:// URL.
  special = false
}

resource "aws_elasticache_subnet_group" "main" {
  count = local.create_redis ? 1 : 0

  name       = "${var.namespace}-cache"
  subnet_ids = local.elasticache_subnet_ids
  tags       = local.tags
}

resource "aws_security_group" "redis" {
  count = local.create_redis ? 1 : 0

  name        = "${var.namespace}-cache"
  description = "ElastiCache Redis of Ballast ${var.namespace}: reachable from the cluster's nodes and pods only"
  vpc_id      = local.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_cluster" {
  count = local.create_redis ? 1 : 0

  security_group_id            = aws_security_group.redis[0].id
  description                  = "Redis from the EKS cluster (nodes and pods)"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
}

resource "aws_elasticache_replication_group" "main" {
  count = local.create_redis ? 1 : 0

  replication_group_id       = "${var.namespace}-rep-group"
  description                = "Ballast ${var.namespace} cache"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = local.cache_node_type
  num_cache_clusters         = 2
  port                       = 6379
  automatic_failover_enabled = true
  multi_az_enabled           = true
  subnet_group_name          = aws_elasticache_subnet_group.main[0].name
  security_group_ids         = [aws_security_group.redis[0].id]
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.key.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis[0].result
  snapshot_retention_limit   = 1
  auto_minor_version_upgrade = true
  apply_immediately          = false
  tags                       = local.tags
}
