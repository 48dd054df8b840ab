# The EKS cluster: private API endpoint always (public per kubernetes_public_access), Secrets
# envelope-encrypted with the module's key, every control-plane log, one managed node group in the
# private subnets with encrypted gp3 disks and IMDSv2, and the IAM OIDC provider for IRSA.

resource "aws_iam_role" "cluster" {
  name = "${var.namespace}-cluster"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_cloudwatch_log_group" "cluster" {
  # EKS writes to this exact name; creating it first sets retention and encryption.
  name              = "/aws/eks/${local.cluster}/cluster"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.key.arn
  tags              = local.tags
}

resource "aws_eks_cluster" "main" {
  #checkov:skip=CKV_AWS_39:The public endpoint is off by default; kubernetes_public_access turns it on for installs managed from outside the VPC (the seeds do), limited to kubernetes_public_access_cidrs.
  #checkov:skip=CKV_AWS_38:The public endpoint's CIDRs are the kubernetes_public_access_cidrs input; the seeds' example opens it to 0.0.0.0/0, which is the user's choice.
  name     = local.cluster
  version  = var.eks_cluster_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = local.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.kubernetes_public_access
    public_access_cidrs     = var.kubernetes_public_access ? var.kubernetes_public_access_cidrs : null
  }

  access_config {
    authentication_mode                         = "API_AND_CONFIG_MAP"
    bootstrap_cluster_creator_admin_permissions = true
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.key.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  tags                      = local.tags

  depends_on = [aws_iam_role_policy_attachment.cluster, aws_cloudwatch_log_group.cluster]
}

data "tls_certificate" "oidc" {
  url = aws_eks_cluster.main.identity[0].oidc[0].issuer
}

resource "aws_iam_openid_connect_provider" "cluster" {
  url             = aws_eks_cluster.main.identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.oidc.certificates[0].sha1_fingerprint]
  tags            = local.tags
}

resource "aws_iam_role" "node" {
  name = "${var.namespace}-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

# The nodes themselves need only these; the app, the controllers and the CSI driver get their own
# roles through IRSA (iam.tf), so pods never borrow the node's.
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset(concat([
    "arn:${local.partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:${local.partition}:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:${local.partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  ], var.eks_policy_arns))

  role       = aws_iam_role.node.name
  policy_arn = each.value
}

resource "aws_launch_template" "node" {
  name_prefix = "${var.namespace}-node-"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = local.node_disk_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = aws_kms_key.key.arn
      delete_on_termination = true
    }
  }

  # IMDSv2 only, one hop: pods cannot reach the node's credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${var.namespace}-node" })
  }
  tags = local.tags
}

resource "aws_eks_node_group" "primary" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "primary"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = local.private_subnet_ids
  instance_types  = local.node_instance_types
  version         = var.eks_cluster_version

  scaling_config {
    desired_size = local.node_count
    min_size     = local.node_count
    max_size     = local.node_max_count
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  tags = local.tags

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}

data "aws_eks_addon_version" "addon" {
  for_each = toset(["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"])

  addon_name         = each.value
  kubernetes_version = aws_eks_cluster.main.version
  most_recent        = true
}

resource "aws_eks_addon" "addon" {
  for_each = data.aws_eks_addon_version.addon

  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = each.key
  addon_version               = each.value.version
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  service_account_role_arn    = each.key == "aws-ebs-csi-driver" ? aws_iam_role.irsa["ebs_csi"].arn : null
  tags                        = local.tags

  # coredns and the CSI controller need nodes to run on.
  depends_on = [aws_eks_node_group.primary]
}
