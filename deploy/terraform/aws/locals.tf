# Names, the size presets and the values everything else derives from.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # Presets per size (W&B's v8 table); an explicit variable wins over its preset.
  presets = {
    small   = { db = "db.r6g.large", nodes = 2, node_type = "r6i.xlarge", cache = "cache.m6g.large", disk = 100 }
    medium  = { db = "db.r6g.xlarge", nodes = 2, node_type = "r6i.2xlarge", cache = "cache.m6g.large", disk = 100 }
    large   = { db = "db.r6g.2xlarge", nodes = 2, node_type = "r6i.4xlarge", cache = "cache.m6g.xlarge", disk = 256 }
    xlarge  = { db = "db.r6g.4xlarge", nodes = 3, node_type = "r6i.4xlarge", cache = "cache.m6g.xlarge", disk = 256 }
    xxlarge = { db = "db.r6g.8xlarge", nodes = 3, node_type = "r6i.4xlarge", cache = "cache.m6g.2xlarge", disk = 256 }
  }
  preset = local.presets[var.size]

  database_instance_class = coalesce(var.database_instance_class, local.preset.db)
  node_instance_types     = coalesce(var.kubernetes_instance_types, [local.preset.node_type])
  node_count              = coalesce(var.kubernetes_node_count, local.preset.nodes)
  node_max_count          = coalesce(var.kubernetes_max_node_count, 2 * local.node_count)
  node_disk_size_gb       = coalesce(var.kubernetes_node_disk_size_gb, local.preset.disk)
  cache_node_type         = coalesce(var.elasticache_node_type, local.preset.cache)

  create_redis = coalesce(var.create_elasticache_subnet, var.create_elasticache)
  # An existing bucket gets no notifications from us, so its uploads are confirmed internally.
  create_bucket = var.bucket_name == ""
  use_sqs       = local.create_bucket && !var.use_internal_queue

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  fqdn       = var.subdomain == null ? var.domain_name : "${var.subdomain}.${var.domain_name}"
  hostnames  = concat([local.fqdn], var.extra_fqdn)
  has_tls    = var.acm_certificate_arn != null || var.public_access
  url        = "${local.has_tls ? "https" : "http"}://${local.fqdn}"
  tags       = { "ballast/namespace" = var.namespace }
  cluster    = var.namespace
  kms_key_id = aws_kms_key.key.arn
}
