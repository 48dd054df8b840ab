# Not in the seed: Ballast's aws module installs the load-balancer controller, external-dns and the
# operator with Helm (W&B's 2.x module installed nothing in the cluster), so the helm provider needs
# the same cluster as the kubernetes provider in main.tf.
provider "helm" {
  kubernetes {
    host                   = data.aws_eks_cluster.app_cluster.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.app_cluster.certificate_authority[0].data)
    token                  = data.aws_eks_cluster_auth.app_cluster.token
  }
}
