# The operator and the WeightsAndBiases resource, through the helm module, with the values of
# charts/ballast (W&B's operator-wandb names) pointing at everything this module created.

locals {
  resource_name = "wandb"

  # Where the operator-managed app's ALB answers: the host name (enable_operator_alb) or nothing.
  operator_hostnames = var.enable_operator_alb ? local.hostnames : []
  # Where a pre-operator app (../kubernetes, ingress_hostname) answers during a migration.
  legacy_app_hostname = var.enable_dummy_dns ? "old.${local.fqdn}" : (var.enable_operator_alb ? "" : local.fqdn)

  ingress_annotations = merge(
    {
      "alb.ingress.kubernetes.io/load-balancer-name"                  = "${substr(var.namespace, 0, 24)}-alb-k8s"
      "alb.ingress.kubernetes.io/scheme"                              = var.kubernetes_alb_internet_facing ? "internet-facing" : "internal"
      "alb.ingress.kubernetes.io/target-type"                         = "ip"
      "alb.ingress.kubernetes.io/healthcheck-path"                    = "/readyz"
      "alb.ingress.kubernetes.io/security-groups"                     = aws_security_group.alb.id
      "alb.ingress.kubernetes.io/manage-backend-security-group-rules" = "true"
      "alb.ingress.kubernetes.io/listen-ports"                        = local.has_tls ? "[{\"HTTP\": 80}, {\"HTTPS\": 443}]" : "[{\"HTTP\": 80}]"
      "external-dns.alpha.kubernetes.io/ingress-hostname-source"      = "annotation-only"
      "external-dns.alpha.kubernetes.io/hostname"                     = join(",", local.operator_hostnames)
    },
    local.has_tls ? {
      "alb.ingress.kubernetes.io/certificate-arn" = local.certificate_arn
      "alb.ingress.kubernetes.io/ssl-redirect"    = "443"
      "alb.ingress.kubernetes.io/ssl-policy"      = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    } : {},
    length(var.kubernetes_alb_subnets) > 0 ? { "alb.ingress.kubernetes.io/subnets" = join(",", var.kubernetes_alb_subnets) } : {},
  )

  redis = local.create_redis ? {
    host     = aws_elasticache_replication_group.main[0].primary_endpoint_address
    port     = 6379
    password = random_password.redis[0].result
    params   = { tls = "true" }
  } : null

  bucket_queue = local.use_sqs ? "sqs://${aws_sqs_queue.files[0].name}" : "internal://"

  # Plain object literals, so e2e/charts.e2e.test.ts can read this spec from the file and render
  # the app chart with it; a null leaf (no license, no cache) falls back to the chart's default.
  wandb_spec = {
    values = {
      global = {
        host          = local.url
        license       = var.license
        cloudProvider = "aws"
        size          = var.size
        extraEnv      = var.other_wandb_env
        bucket = {
          provider = "s3"
          name     = local.bucket_name
          path     = var.bucket_path
          region   = local.region
          kmsKey   = local.bucket_kms_key
        }
        bucketQueue = local.bucket_queue
        mysql = {
          host     = aws_rds_cluster.main.endpoint
          port     = aws_rds_cluster.main.port
          user     = aws_rds_cluster.main.master_username
          password = random_password.database.result
          database = var.database_name
        }
        redis = local.redis
      }
      app = {
        extraEnv = var.app_wandb_env
        serviceAccount = {
          annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.irsa["app"].arn }
        }
      }
      ingestion = {
        serviceAccount = {
          annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.irsa["app"].arn }
        }
      }
      mysql = { install = false }
      redis = { install = false }
      ingress = {
        class           = "alb"
        annotations     = local.ingress_annotations
        additionalHosts = var.extra_fqdn
      }
    }
  }
}

module "wandb" {
  source = "../helm"

  spec                      = local.wandb_spec
  resource_name             = local.resource_name
  wandb_namespace           = var.wandb_namespace
  operator_chart_repository = var.operator_chart_repository
  operator_chart_version    = var.operator_chart_version
  controller_image_tag      = var.controller_image_tag
  enable_helm_operator      = var.enable_helm_operator
  enable_helm_wandb         = var.enable_helm_wandb

  # The Ingress needs the load-balancer controller's webhook, and the app its database.
  depends_on = [
    helm_release.aws_load_balancer_controller,
    helm_release.external_dns,
    aws_rds_cluster_instance.main,
    aws_eks_addon.addon,
  ]
}
