# The certificate (DNS-validated in zone_id) and the load balancer's inbound rules. The host name's
# own records are written by external-dns from the app's Ingress (addons.tf, app.tf), so they
# follow the load balancer the Ingress gets.

locals {
  certificate_domain = var.external_dns ? local.fqdn : var.domain_name
  create_certificate = var.public_access && var.acm_certificate_arn == null
  certificate_arn    = local.create_certificate ? aws_acm_certificate_validation.app[0].certificate_arn : var.acm_certificate_arn
}

resource "aws_acm_certificate" "app" {
  count = local.create_certificate ? 1 : 0

  domain_name               = local.certificate_domain
  subject_alternative_names = distinct([for h in concat([local.fqdn], var.extra_fqdn) : h if h != local.certificate_domain])
  validation_method         = "DNS"
  tags                      = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = {
    for option in try(aws_acm_certificate.app[0].domain_validation_options, []) : option.domain_name => option
  }

  zone_id         = var.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 60
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "app" {
  count = local.create_certificate ? 1 : 0

  certificate_arn         = aws_acm_certificate.app[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

# The app's ALB gets this group (annotation alb.ingress.kubernetes.io/security-groups): HTTPS, and
# HTTP for the redirect, from the allowed IPv4 and IPv6 ranges only.
resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:The load-balancer controller attaches it to the app's ALB, named in the Ingress annotation alb.ingress.kubernetes.io/security-groups (app.tf).
  name        = "${var.namespace}-alb-inbound"
  description = "Ballast ${var.namespace}: the app's load balancer, from allowed_inbound_cidr and allowed_inbound_ipv6_cidr"
  vpc_id      = local.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_ipv4" {
  for_each = { for pair in setproduct(var.allowed_inbound_cidr, local.has_tls ? [443, 80] : [80]) : "${pair[0]}:${pair[1]}" => pair }

  security_group_id = aws_security_group.alb.id
  description       = "HTTP(S) from an allowed IPv4 range"
  ip_protocol       = "tcp"
  cidr_ipv4         = each.value[0]
  from_port         = each.value[1]
  to_port           = each.value[1]
}

resource "aws_vpc_security_group_ingress_rule" "alb_ipv6" {
  for_each = { for pair in setproduct(var.allowed_inbound_ipv6_cidr, local.has_tls ? [443, 80] : [80]) : "${pair[0]}:${pair[1]}" => pair }

  security_group_id = aws_security_group.alb.id
  description       = "HTTP(S) from an allowed IPv6 range"
  ip_protocol       = "tcp"
  cidr_ipv6         = each.value[0]
  from_port         = each.value[1]
  to_port           = each.value[1]
}

# To the pods (target type ip) in the VPC only.
resource "aws_vpc_security_group_egress_rule" "alb_to_vpc" {
  security_group_id = aws_security_group.alb.id
  description       = "To the app's pods"
  ip_protocol       = "tcp"
  cidr_ipv4         = local.vpc_cidr
  from_port         = 8080
  to_port           = 8080
}

resource "aws_vpc_security_group_ingress_rule" "cluster_from_alb" {
  security_group_id            = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  description                  = "The app's pods from its load balancer"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.alb.id
}
