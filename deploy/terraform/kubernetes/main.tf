# The Ballast server as one Deployment behind a NodePort Service (and an optional Ingress), with its
# credentials in a Secret: W&B's pre-operator layout, for configurations written for it. New
# installs use the operator (../helm, or ../aws which calls it).

locals {
  labels = {
    "app.kubernetes.io/name"       = "ballast"
    "app.kubernetes.io/instance"   = "wandb"
    "app.kubernetes.io/managed-by" = "terraform"
  }
  selector = {
    "app.kubernetes.io/name"     = "ballast"
    "app.kubernetes.io/instance" = "wandb"
  }

  redis_ca_path = "/etc/ballast/redis-ca/ca.pem"
  # The server reads the CA of a TLS Redis from the URL's caCertPath parameter.
  redis = var.redis_ca_cert == "" ? var.redis_connection_string : format(
    "%s%scaCertPath=%s",
    var.redis_connection_string,
    strcontains(var.redis_connection_string, "?") ? "&" : "?",
    local.redis_ca_path,
  )

  # Plain settings; credentials go to the Secret below.
  env = merge(
    {
      HOST         = trimsuffix(var.host, "/")
      BUCKET       = var.bucket
      BUCKET_QUEUE = var.bucket_queue
    },
    var.bucket_aws_region == "" ? {} : { AWS_REGION = var.bucket_aws_region },
    var.bucket_kms_key_arn == "" ? {} : { AWS_S3_KMS_ID = var.bucket_kms_key_arn },
    var.oidc_client_id == "" ? {} : {
      OIDC_ISSUER      = var.oidc_issuer
      OIDC_CLIENT_ID   = var.oidc_client_id
      OIDC_AUTH_METHOD = var.oidc_auth_method
    },
    var.other_wandb_env,
  )

  secret_env = merge(
    {
      LICENSE = var.license
      MYSQL   = var.database_connection_string
    },
    local.redis == "" ? {} : { REDIS = local.redis },
    var.oidc_secret == "" ? {} : { OIDC_SECRET = var.oidc_secret },
    var.other_wandb_secrets,
  )
}

resource "kubernetes_secret" "wandb" {
  #checkov:skip=CKV_K8S_21:The namespace is the namespace input; its default, default, is where W&B's module put everything, and the aws module's IAM role trusts that namespace.
  metadata {
    name      = "wandb"
    namespace = var.namespace
    labels    = local.labels
  }
  data = local.secret_env
}

resource "kubernetes_config_map" "redis_ca" {
  #checkov:skip=CKV_K8S_21:The namespace is the namespace input; its default, default, is where W&B's module put everything, and the aws module's IAM role trusts that namespace.
  count = var.redis_ca_cert == "" ? 0 : 1

  metadata {
    name      = "wandb-redis-ca"
    namespace = var.namespace
    labels    = local.labels
  }
  data = {
    "ca.pem" = var.redis_ca_cert
  }
}

resource "kubernetes_service_account" "wandb" {
  #checkov:skip=CKV_K8S_21:The namespace is the namespace input; its default, default, is where W&B's module put everything, and the aws module's IAM role trusts that namespace.
  metadata {
    name        = var.service_account_name
    namespace   = var.namespace
    labels      = merge(local.labels, var.service_account_labels)
    annotations = var.service_account_annotations
  }
  # The server talks to no Kubernetes API; a cloud identity (IRSA) still projects its own token.
  automount_service_account_token = false
}

resource "kubernetes_deployment" "wandb" {
  #checkov:skip=CKV_K8S_21:The namespace is the namespace input; its default, default, is where W&B's module put everything, and the aws module's IAM role trusts that namespace.
  #checkov:skip=CKV_K8S_43:The image is named by the wandb_image and wandb_version inputs, W&B's interface; pin a digest there (image@sha256:…) to satisfy this.
  #checkov:skip=CKV_K8S_14:The tag is the wandb_version input; its default `latest` follows W&B's module, and production configurations set a version.
  metadata {
    name      = "wandb"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    replicas                  = var.wandb_replicas
    progress_deadline_seconds = var.progress_deadline_seconds

    selector {
      match_labels = local.selector
    }

    template {
      metadata {
        labels = merge(local.selector, var.deployment_pod_labels)
        annotations = {
          # Roll the pods when a credential changes.
          "checksum/secret" = sha256(jsonencode(local.secret_env))
        }
      }

      spec {
        service_account_name            = kubernetes_service_account.wandb.metadata[0].name
        automount_service_account_token = false

        security_context {
          run_as_user     = 1001
          run_as_group    = 0
          run_as_non_root = true
          fs_group        = 0
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name              = "ballast"
          image             = "${var.wandb_image}:${var.wandb_version}"
          image_pull_policy = "Always"
          args              = ["server"]

          port {
            name           = "http"
            container_port = 8080
          }

          dynamic "env" {
            for_each = local.env
            content {
              name  = env.key
              value = env.value
            }
          }

          dynamic "env" {
            for_each = nonsensitive(toset(keys(local.secret_env)))
            content {
              name = env.value
              value_from {
                secret_key_ref {
                  name = kubernetes_secret.wandb.metadata[0].name
                  key  = env.value
                }
              }
            }
          }

          resources {
            requests = var.resource_requests
            limits   = var.resource_limits
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            privileged                 = false
            capabilities {
              drop = ["ALL"]
            }
          }

          liveness_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 10
            failure_threshold = 6
          }

          readiness_probe {
            http_get {
              path = "/readyz"
              port = "http"
            }
            period_seconds    = 5
            failure_threshold = 3
          }

          startup_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds = 5
            # The first start creates the schema.
            failure_threshold = 120
          }

          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }

          volume_mount {
            name       = "data"
            mount_path = "/data"
          }

          dynamic "volume_mount" {
            for_each = kubernetes_config_map.redis_ca
            content {
              name       = "redis-ca"
              mount_path = dirname(local.redis_ca_path)
              read_only  = true
            }
          }
        }

        volume {
          name = "tmp"
          empty_dir {}
        }

        # Scratch only: with MySQL and a bucket configured the server keeps nothing here.
        volume {
          name = "data"
          empty_dir {}
        }

        dynamic "volume" {
          for_each = kubernetes_config_map.redis_ca
          content {
            name = "redis-ca"
            config_map {
              name = volume.value.metadata[0].name
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "wandb" {
  #checkov:skip=CKV_K8S_21:The namespace is the namespace input; its default, default, is where W&B's module put everything, and the aws module's IAM role trusts that namespace.
  metadata {
    name      = "wandb"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    type     = "NodePort"
    selector = local.selector

    port {
      name        = "http"
      port        = 8080
      target_port = "http"
      node_port   = var.service_port
    }
  }
}

resource "kubernetes_ingress_v1" "wandb" {
  #checkov:skip=CKV_K8S_21:The namespace is the namespace input; its default, default, is where W&B's module put everything, and the aws module's IAM role trusts that namespace.
  count = var.ingress_hostname == "" ? 0 : 1

  metadata {
    name      = "wandb"
    namespace = var.namespace
    labels    = local.labels
    annotations = merge(
      {
        "external-dns.alpha.kubernetes.io/hostname" = var.ingress_hostname
      },
      var.ingress_annotations,
    )
  }

  spec {
    ingress_class_name = var.ingress_class

    rule {
      host = var.ingress_hostname
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service.wandb.metadata[0].name
              port {
                name = "http"
              }
            }
          }
        }
      }
    }
  }
}
