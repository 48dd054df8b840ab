# The inputs of W&B's pre-operator app module (wandb/wandb/kubernetes), with the same names and
# meanings, plus the namespace and an optional Ingress. Ballast reads the same environment
# variables as W&B's app container, so each input maps straight onto the server's configuration.

variable "license" {
  type        = string
  description = "License string, delivered to the server as LICENSE (accepted and shown; never blocks reading data)."
  sensitive   = true
}

variable "host" {
  type        = string
  description = "Public base URL of the instance, with scheme (https://wandb.example.com)."

  validation {
    condition     = can(regex("^https?://[^/]+", var.host))
    error_message = "host must be a URL with scheme, e.g. https://wandb.example.com."
  }
}

variable "bucket" {
  type        = string
  description = "Object store: s3://bucket[/path], gs://bucket[/path] or az://account/container."

  validation {
    condition     = can(regex("^(s3|gs|az)://[^/]+", var.bucket))
    error_message = "bucket must be s3://BUCKET, gs://BUCKET or az://ACCOUNT/CONTAINER."
  }
}

variable "bucket_queue" {
  type        = string
  description = "Where object-created notices come from: internal:// (the database-backed queue) or sqs://QUEUE for an S3 bucket whose notifications go to SQS."

  validation {
    condition     = can(regex("^(internal://|sqs://.+)$", var.bucket_queue))
    error_message = "bucket_queue must be internal:// or sqs://QUEUE (Ballast reads no Pub/Sub subscription; use internal:// with a GCS bucket)."
  }
}

variable "bucket_aws_region" {
  type        = string
  description = "Region of an S3 bucket (AWS_REGION)."
  default     = ""
}

variable "bucket_kms_key_arn" {
  type        = string
  description = "KMS key of an S3 bucket (AWS_S3_KMS_ID); objects are written with SSE-KMS under it."
  default     = ""
}

variable "database_connection_string" {
  type        = string
  description = "MySQL connection string: mysql://user:password@host[:port]/database."
  sensitive   = true

  validation {
    condition     = can(regex("^mysql://[^@/]+@[^/]+/[^/?]+", var.database_connection_string))
    error_message = "database_connection_string must look like mysql://user:password@host:3306/database."
  }
}

variable "redis_connection_string" {
  type        = string
  description = "Redis connection string (redis://[:password@]host:port[?tls=true]); empty uses the server's in-process cache."
  default     = ""
  sensitive   = true
}

variable "redis_ca_cert" {
  type        = string
  description = "PEM CA certificate of the Redis server, trusted for TLS connections to it."
  default     = ""
}

variable "oidc_issuer" {
  type        = string
  description = "OIDC issuer URL for single sign-on."
  default     = ""
}

variable "oidc_client_id" {
  type        = string
  description = "OIDC client id."
  default     = ""
}

variable "oidc_secret" {
  type        = string
  description = "OIDC client secret."
  default     = ""
  sensitive   = true
}

variable "oidc_auth_method" {
  type        = string
  description = "OIDC flow: implicit or pkce."
  default     = "implicit"

  validation {
    condition     = contains(["implicit", "pkce"], var.oidc_auth_method)
    error_message = "oidc_auth_method must be implicit or pkce."
  }
}

variable "other_wandb_env" {
  type        = map(string)
  description = "More environment variables for the server."
  default     = {}
}

variable "other_wandb_secrets" {
  type        = map(string)
  description = "More environment variables for the server, kept in the Secret."
  default     = {}
  sensitive   = true
}

variable "wandb_image" {
  type        = string
  description = "Image repository of the Ballast server."
  default     = "ballast/ballast"
}

variable "wandb_version" {
  type        = string
  description = "Image tag of the Ballast server."
  default     = "latest"
}

variable "wandb_replicas" {
  type        = number
  description = "Server pods. More than one needs MySQL and a bucket, which this module always has."
  default     = 1

  validation {
    condition     = var.wandb_replicas >= 1
    error_message = "wandb_replicas must be at least 1."
  }
}

variable "resource_requests" {
  type        = map(string)
  description = "Resource requests of the server container."
  default = {
    cpu    = "1"
    memory = "1G"
  }
}

variable "resource_limits" {
  type        = map(string)
  description = "Resource limits of the server container."
  default = {
    cpu    = "4"
    memory = "4G"
  }
}

variable "service_port" {
  type        = number
  description = "NodePort of the server's Service (W&B's target-group port)."
  default     = 32543

  validation {
    condition     = var.service_port >= 30000 && var.service_port <= 32767
    error_message = "service_port must be in the NodePort range 30000-32767."
  }
}

variable "progress_deadline_seconds" {
  type        = number
  description = "Seconds a rollout may take before Kubernetes reports it failed (first start runs migrations)."
  default     = 3600
}

variable "namespace" {
  type        = string
  description = "Namespace of every object this module creates (it must exist)."
  default     = "default"
}

variable "service_account_name" {
  type        = string
  description = "Name of the server's ServiceAccount."
  default     = "wandb-serviceaccount"
}

variable "service_account_annotations" {
  type        = map(string)
  description = "Annotations of the ServiceAccount, e.g. eks.amazonaws.com/role-arn for IAM roles for service accounts."
  default     = {}
}

variable "service_account_labels" {
  type        = map(string)
  description = "Labels of the ServiceAccount."
  default     = {}
}

variable "deployment_pod_labels" {
  type        = map(string)
  description = "Extra labels of the server pods."
  default     = {}
}

variable "ingress_hostname" {
  type        = string
  description = "When set, an Ingress for this host name, with the external-dns hostname annotation (the AWS module's legacy_app_hostname output)."
  default     = ""
}

variable "ingress_class" {
  type        = string
  description = "Ingress class of that Ingress."
  default     = "alb"
}

variable "ingress_annotations" {
  type        = map(string)
  description = "More annotations of that Ingress (certificate, scheme, inbound CIDRs)."
  default     = {}
}

variable "local_restore" {
  type        = bool
  description = "Accepted for compatibility with W&B's module; Ballast has no local-restore mode and ignores it."
  default     = false
}

variable "auth0_domain" {
  type        = string
  description = "Accepted for compatibility with W&B's module; Ballast signs in through OIDC (oidc_*), not Auth0."
  default     = ""
}

variable "auth0_client_id" {
  type        = string
  description = "Accepted for compatibility with W&B's module; Ballast signs in through OIDC (oidc_*), not Auth0."
  default     = ""
}

variable "cloud_monitoring_connection_string" {
  type        = string
  description = "Accepted for compatibility with W&B's module; Ballast serves Prometheus metrics at /metrics instead."
  default     = "noop://"
}

variable "weave_enabled" {
  type        = bool
  description = "Accepted for compatibility with W&B's module; Ballast has no Weave service, so it must stay false."
  default     = false

  validation {
    condition     = !var.weave_enabled
    error_message = "Ballast has no Weave service; leave weave_enabled false."
  }
}

variable "parquet_enabled" {
  type        = bool
  description = "Accepted for compatibility with W&B's module; Ballast runs no separate Parquet service, so it must stay false."
  default     = false

  validation {
    condition     = !var.parquet_enabled
    error_message = "Ballast needs no Parquet service; leave parquet_enabled false."
  }
}
