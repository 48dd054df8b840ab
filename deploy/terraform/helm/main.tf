# The operator release and the WeightsAndBiases resource, as W&B's helm module installs them: the
# resource goes through a one-object chart (./wandb-cr) so Terraform does not need the CRD at plan
# time, and Helm updates it in place when the spec changes.

locals {
  operator_chart = var.operator_chart_repository == null ? "${path.module}/../../../charts/ballast-operator" : "ballast-operator"
  operator_values = merge(
    {
      image = merge(
        { repository = var.controller_image_repository },
        var.controller_image_tag == "" ? {} : { tag = var.controller_image_tag },
      )
    },
    var.operator_values,
  )
}

resource "helm_release" "operator" {
  count = var.enable_helm_operator ? 1 : 0

  name             = "operator"
  chart            = local.operator_chart
  repository       = var.operator_chart_repository
  version          = var.operator_chart_version
  namespace        = var.operator_chart_namespace
  create_namespace = true
  wait             = true
  disable_webhooks = true
  values           = [yamlencode(local.operator_values)]
}

resource "helm_release" "wandb" {
  count = var.enable_helm_wandb ? 1 : 0

  name             = "${var.resource_name}-cr"
  chart            = "${path.module}/wandb-cr"
  namespace        = var.wandb_namespace
  create_namespace = true
  force_update     = true
  wait             = true
  values = [yamlencode({
    name = var.resource_name
    spec = var.spec
  })]

  # The CRD comes with the operator chart.
  depends_on = [helm_release.operator]
}
