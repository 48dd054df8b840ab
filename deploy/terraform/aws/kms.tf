# One customer-managed key encrypts the bucket, the database, the cache, the cluster's Secrets, the
# node disks, the logs and the database password's secret.

locals {
  kms_administrator = var.kms_key_policy_administrator_arn != "" ? var.kms_key_policy_administrator_arn : data.aws_caller_identity.current.arn
}

resource "aws_kms_key" "key" {
  description             = "Ballast ${var.namespace}: bucket, database, cache, cluster secrets, disks and logs"
  deletion_window_in_days = var.kms_key_deletion_window
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = local.tags
}

resource "aws_kms_alias" "key" {
  name          = "alias/${coalesce(var.kms_key_alias, "${var.namespace}-kms-alias")}"
  target_key_id = aws_kms_key.key.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always "*" (the key itself); administration is limited to the account root and the administrator principal.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always "*" (the key itself); use is limited to this account and named AWS services.
  #checkov:skip=CKV_AWS_356:A key policy's resource is always "*" (the key itself).
  statement {
    sid       = "Administer"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = distinct(["arn:${local.partition}:iam::${local.account_id}:root", local.kms_administrator])
    }
  }

  # EKS node groups launch through the Auto Scaling service-linked role, which needs the key for
  # the encrypted node disks.
  statement {
    sid = "AutoScalingDisks"
    actions = [
      "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
    ]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"]
    }
  }

  statement {
    sid       = "AutoScalingGrants"
    actions   = ["kms:CreateGrant"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"]
    }
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }
}
