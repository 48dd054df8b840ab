# Steps 1 and 2 (README.md). With pre-operator.tfvars: the infrastructure and the app of the
# kubernetes module, which owns the host name through its Ingress; no operator. With
# post-operator.tfvars: the operator-managed app takes the host name, and this one moves to
# old.<host name> until step 3 removes it.
module "wandb_infra" {
  source = "../../aws"

  namespace                      = var.namespace
  domain_name                    = var.domain_name
  subdomain                      = var.subdomain
  zone_id                        = var.zone_id
  allowed_inbound_cidr           = var.allowed_inbound_cidr
  allowed_inbound_ipv6_cidr      = var.allowed_inbound_ipv6_cidr
  public_access                  = true
  external_dns                   = true
  kubernetes_public_access       = true
  kubernetes_public_access_cidrs = ["0.0.0.0/0"]

  license              = var.wandb_license
  size                 = var.size
  enable_helm_operator = var.enable_operator_alb
  enable_helm_wandb    = var.enable_operator_alb
  enable_operator_alb  = var.enable_operator_alb
  enable_dummy_dns     = var.enable_dummy_dns
  custom_domain_filter = var.custom_domain_filter
}

module "wandb_app" {
  source = "../../kubernetes"

  license                    = var.wandb_license
  wandb_version              = var.wandb_version
  host                       = module.wandb_infra.url
  bucket                     = "s3://${module.wandb_infra.bucket_name}"
  bucket_aws_region          = module.wandb_infra.bucket_region
  bucket_kms_key_arn         = module.wandb_infra.kms_key_arn
  bucket_queue               = module.wandb_infra.bucket_queue
  database_connection_string = "mysql://${module.wandb_infra.database_connection_string}"
  service_account_annotations = {
    "eks.amazonaws.com/role-arn" = module.wandb_infra.app_role_arn
  }

  # The host name (or old.<host name> during the migration) through the same load-balancer
  # controller and external-dns the aws module installs.
  ingress_hostname = module.wandb_infra.legacy_app_hostname
  ingress_annotations = {
    "alb.ingress.kubernetes.io/scheme"                              = "internet-facing"
    "alb.ingress.kubernetes.io/target-type"                         = "ip"
    "alb.ingress.kubernetes.io/security-groups"                     = module.wandb_infra.alb_security_group_id
    "alb.ingress.kubernetes.io/manage-backend-security-group-rules" = "true"
    "alb.ingress.kubernetes.io/listen-ports"                        = "[{\"HTTP\": 80}, {\"HTTPS\": 443}]"
    "alb.ingress.kubernetes.io/ssl-redirect"                        = "443"
    "alb.ingress.kubernetes.io/certificate-arn"                     = module.wandb_infra.acm_certificate_arn
  }

  depends_on = [module.wandb_infra]
}
