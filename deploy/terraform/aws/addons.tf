# The two controllers that turn the app's Ingress into a load balancer and a DNS name:
# aws-load-balancer-controller (an ALB per Ingress class alb) and external-dns (Route53 records
# from the Ingress's external-dns.alpha.kubernetes.io/hostname annotation), each with its IRSA role.

resource "helm_release" "aws_load_balancer_controller" {
  name       = "aws-load-balancer-controller"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-load-balancer-controller"
  version    = var.aws_loadbalancer_controller_version
  namespace  = "kube-system"
  wait       = true

  values = [yamlencode({
    clusterName = aws_eks_cluster.main.name
    region      = local.region
    vpcId       = local.vpc_id
    serviceAccount = {
      name        = "aws-load-balancer-controller"
      annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.irsa["lb_controller"].arn }
    }
    defaultTags = merge(local.tags, var.aws_loadbalancer_controller_tags)
  })]

  depends_on = [aws_eks_node_group.primary, aws_iam_role_policy.lb_controller]
}

resource "helm_release" "external_dns" {
  name       = "external-dns"
  repository = "https://kubernetes-sigs.github.io/external-dns/"
  chart      = "external-dns"
  version    = var.external_dns_version
  namespace  = "kube-system"
  wait       = true

  values = [yamlencode({
    provider = { name = "aws" }
    # sync: records of a removed host name are removed too (they are owned through TXT records).
    policy        = "sync"
    interval      = "3m"
    sources       = ["ingress"]
    domainFilters = [coalesce(var.custom_domain_filter, local.fqdn)]
    txtOwnerId    = var.namespace
    extraArgs     = ["--aws-zone-type=public", "--zone-id-filter=${var.zone_id}"]
    env           = [{ name = "AWS_DEFAULT_REGION", value = local.region }]
    serviceAccount = {
      name        = "external-dns"
      annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.irsa["external_dns"].arn }
    }
  })]

  depends_on = [aws_eks_node_group.primary, aws_iam_role_policy.external_dns]
}
