# Inputs of W&B's wandb/wandb/aws module that the seeds use, with the same names and meanings, and
# the ones a production install needs. Where Ballast differs, the description says so.

# ---------------------------------------------------------------- naming, license, sizing

variable "namespace" {
  type        = string
  description = "Prefix of every resource name, and the EKS cluster's name."

  validation {
    # S3 bucket names (<namespace>-file-storage-<pet>) allow 63 lower-case characters.
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.namespace))
    error_message = "namespace must be 3-32 characters: lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "license" {
  type        = string
  description = "License string, passed to the app as global.license. Optional: Ballast needs none (the seeds' main.tf passes none)."
  default     = null
  sensitive   = true
}

variable "size" {
  type        = string
  description = "Deployment size preset (small, medium, large, xlarge, xxlarge): instance classes of the database, the nodes and the cache, node counts and disk. An explicit variable wins over the preset."
  default     = "small"

  validation {
    condition     = contains(["small", "medium", "large", "xlarge", "xxlarge"], var.size)
    error_message = "size must be one of small, medium, large, xlarge, xxlarge."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the database from deletion and keep the bucket when it is not empty (false lets terraform destroy remove both)."
  default     = true
}

# ---------------------------------------------------------------- DNS and ingress

variable "domain_name" {
  type        = string
  description = "Domain of the instance; with subdomain, the host name is subdomain.domain_name."
}

variable "subdomain" {
  type        = string
  description = "Subdomain of the instance; null serves it at domain_name itself."
  default     = null
}

variable "zone_id" {
  type        = string
  description = "Route53 hosted zone of domain_name, where the host name's records and the certificate's validation records go."
}

variable "extra_fqdn" {
  type        = list(string)
  description = "More host names (in the same zone) for the same instance."
  default     = []
}

variable "public_access" {
  type        = bool
  description = "Create an ACM certificate for the host name (unless acm_certificate_arn is given), so the instance is served over HTTPS."
  default     = false
}

variable "external_dns" {
  type        = bool
  description = "The certificate covers the full host name (subdomain.domain_name) when true, the bare domain_name when false; as in W&B's module, external-dns itself is always installed."
  default     = false
}

variable "acm_certificate_arn" {
  type        = string
  description = "An existing ACM certificate for the host name; null creates one when public_access is true."
  default     = null
}

variable "custom_domain_filter" {
  type        = string
  description = "Domain external-dns manages records in; null uses the host name itself. Set the zone's domain when records must go into a parent zone."
  default     = null
}

variable "allowed_inbound_cidr" {
  type        = list(string)
  description = "IPv4 CIDRs allowed to reach the instance's load balancer."
  nullable    = false

  validation {
    condition     = alltrue([for c in var.allowed_inbound_cidr : can(cidrnetmask(c))])
    error_message = "allowed_inbound_cidr must be IPv4 CIDRs, e.g. [\"0.0.0.0/0\"]."
  }
}

variable "allowed_inbound_ipv6_cidr" {
  type        = list(string)
  description = "IPv6 CIDRs allowed to reach the instance's load balancer."
  nullable    = false

  validation {
    condition     = alltrue([for c in var.allowed_inbound_ipv6_cidr : can(cidrhost(c, 0)) && strcontains(c, ":")])
    error_message = "allowed_inbound_ipv6_cidr must be IPv6 CIDRs, e.g. [\"::/0\"]."
  }
}

variable "kubernetes_alb_internet_facing" {
  type        = bool
  description = "The app's load balancer is internet-facing (public subnets) when true, internal (private subnets) when false."
  default     = true
}

variable "kubernetes_alb_subnets" {
  type        = list(string)
  description = "Subnets of the app's load balancer; empty lets the load-balancer controller choose by subnet tags."
  default     = []
}

variable "enable_operator_alb" {
  type        = bool
  description = "The operator-managed app's Ingress (its ALB) takes the host name through external-dns. false leaves the name to a pre-operator app (see the migration example)."
  default     = true
}

variable "enable_dummy_dns" {
  type        = bool
  description = "Migration: move the pre-operator app to old.<host name> (output legacy_app_hostname, for the kubernetes module's ingress_hostname) so the operator-managed app can take the name."
  default     = false

  validation {
    condition     = !var.enable_dummy_dns || var.enable_operator_alb
    error_message = "enable_dummy_dns moves the old app off the host name for the operator-managed app: set enable_operator_alb = true with it."
  }
}

# ---------------------------------------------------------------- network

variable "create_vpc" {
  type        = bool
  description = "Create the VPC; false uses network_id and the network_*_subnets given."
  default     = true
}

variable "network_id" {
  type        = string
  description = "An existing VPC (with create_vpc = false)."
  default     = ""

  validation {
    condition     = var.create_vpc || var.network_id != ""
    error_message = "With create_vpc = false, set network_id and the network_*_subnets of your VPC."
  }
}

variable "network_private_subnets" {
  type        = list(string)
  description = "Existing private subnets for the nodes (with create_vpc = false)."
  default     = []
}

variable "network_public_subnets" {
  type        = list(string)
  description = "Existing public subnets for an internet-facing load balancer (with create_vpc = false)."
  default     = []
}

variable "network_database_subnets" {
  type        = list(string)
  description = "Existing subnets for the database (with create_vpc = false)."
  default     = []
}

variable "network_elasticache_subnets" {
  type        = list(string)
  description = "Existing subnets for ElastiCache (with create_vpc = false)."
  default     = []
}

variable "network_cidr" {
  type        = string
  description = "CIDR of the created VPC."
  default     = "10.10.0.0/16"
}

variable "network_public_subnet_cidrs" {
  type        = list(string)
  description = "Public subnets of the created VPC, one per availability zone."
  default     = ["10.10.0.0/24", "10.10.1.0/24"]
}

variable "network_private_subnet_cidrs" {
  type        = list(string)
  description = "Private subnets (nodes) of the created VPC, one per availability zone."
  default     = ["10.10.10.0/24", "10.10.11.0/24"]
}

variable "network_database_subnet_cidrs" {
  type        = list(string)
  description = "Database subnets of the created VPC, one per availability zone."
  default     = ["10.10.20.0/24", "10.10.21.0/24"]
}

variable "network_elasticache_subnet_cidrs" {
  type        = list(string)
  description = "ElastiCache subnets of the created VPC, one per availability zone."
  default     = ["10.10.30.0/24", "10.10.31.0/24"]
}

# ---------------------------------------------------------------- Kubernetes

variable "eks_cluster_version" {
  type        = string
  description = "Kubernetes version of the EKS cluster and its nodes. Optional here (the older seed's main.tf sets none)."
  default     = "1.33"

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.eks_cluster_version))
    error_message = "eks_cluster_version must be a Kubernetes minor version such as \"1.33\"."
  }
}

variable "kubernetes_public_access" {
  type        = bool
  description = "Expose the cluster's API endpoint publicly (the private endpoint is always on)."
  default     = false
}

variable "kubernetes_public_access_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to the public API endpoint."
  default     = []

  validation {
    condition     = alltrue([for c in var.kubernetes_public_access_cidrs : can(cidrnetmask(c))])
    error_message = "kubernetes_public_access_cidrs must be IPv4 CIDRs."
  }
}

variable "kubernetes_instance_types" {
  type        = list(string)
  description = "Instance types of the nodes; null takes the size preset's."
  default     = null
}

variable "kubernetes_node_count" {
  type        = number
  description = "Nodes (desired and minimum); null takes the size preset's."
  default     = null
}

variable "kubernetes_max_node_count" {
  type        = number
  description = "Most nodes the node group may scale to; null is twice the node count."
  default     = null
}

variable "kubernetes_node_disk_size_gb" {
  type        = number
  description = "Root disk of each node in GB; null takes the size preset's."
  default     = null
}

variable "eks_policy_arns" {
  type        = list(string)
  description = "More IAM policies for the nodes' role."
  default     = []
}

# ---------------------------------------------------------------- database

variable "database_engine_version" {
  type        = string
  description = "Aurora MySQL engine version (MySQL 8.0 compatible)."
  default     = "8.0.mysql_aurora.3.08.2"
}

variable "database_instance_class" {
  type        = string
  description = "Instance class of the database; null takes the size preset's."
  default     = null
}

variable "database_name" {
  type        = string
  description = "Name of the database."
  default     = "wandb_local"
}

variable "database_master_username" {
  type        = string
  description = "Master user of the database, which the app connects as."
  default     = "wandb"
}

variable "database_snapshot_identifier" {
  type        = string
  description = "Create the database from this snapshot."
  default     = null
}

variable "database_sort_buffer_size" {
  type        = number
  description = "sort_buffer_size of the database parameter group."
  default     = 67108864
}

variable "database_kms_key_arn" {
  type        = string
  description = "KMS key for the database's storage; empty uses the module's key."
  default     = ""

  validation {
    condition     = var.database_kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:", var.database_kms_key_arn))
    error_message = "database_kms_key_arn must be a KMS key ARN or empty."
  }
}

# ---------------------------------------------------------------- bucket and queue

variable "bucket_name" {
  type        = string
  description = "An existing bucket to use instead of creating one (then the queue is internal)."
  default     = ""
}

variable "bucket_kms_key_arn" {
  type        = string
  description = "KMS key of that existing bucket."
  default     = ""
}

variable "bucket_path" {
  type        = string
  description = "Prefix inside the bucket for everything Ballast stores."
  default     = ""
}

variable "use_internal_queue" {
  type        = bool
  description = "true: Ballast confirms uploads itself (internal://). false: the module creates an SQS queue fed by the bucket's object-created notifications and gives it to the app (BUCKET_QUEUE=sqs://…), unlike W&B's module, which creates it unused."
  default     = false
}

# ---------------------------------------------------------------- cache

variable "create_elasticache" {
  type        = bool
  description = "Create an ElastiCache Redis (TLS, auth token, encrypted) and its subnets, and give it to the app."
  default     = false
}

variable "create_elasticache_subnet" {
  type        = bool
  description = "The W&B docs' name for create_elasticache (W&B's module rejects it); when set it wins."
  default     = null
}

variable "elasticache_node_type" {
  type        = string
  description = "Node type of the cache; null takes the size preset's."
  default     = null
}

# ---------------------------------------------------------------- KMS

variable "kms_key_alias" {
  type        = string
  description = "Alias of the module's KMS key; null is alias/<namespace>-kms-alias."
  default     = null
}

variable "kms_key_deletion_window" {
  type        = number
  description = "Days before a deleted KMS key is gone."
  default     = 7

  validation {
    condition     = var.kms_key_deletion_window >= 7 && var.kms_key_deletion_window <= 30
    error_message = "kms_key_deletion_window must be 7-30 days."
  }
}

variable "kms_key_policy_administrator_arn" {
  type        = string
  description = "Principal that administers the KMS key; empty is the caller."
  default     = ""
}

# ---------------------------------------------------------------- app

variable "other_wandb_env" {
  type        = map(any)
  description = "More environment variables of the app (global.extraEnv)."
  default     = {}
}

variable "app_wandb_env" {
  type        = map(string)
  description = "More environment variables of the app's server container only (app.extraEnv)."
  default     = {}
}

variable "operator_chart_version" {
  type        = string
  description = "Version of the ballast-operator chart in operator_chart_repository."
  default     = null
}

variable "operator_chart_repository" {
  type        = string
  description = "Helm repository of the ballast-operator chart; null installs the chart from this repository."
  default     = null
}

variable "controller_image_tag" {
  type        = string
  description = "Image tag of the operator; empty uses the chart's appVersion."
  default     = ""
}

variable "enable_helm_operator" {
  type        = bool
  description = "Install the operator."
  default     = true
}

variable "enable_helm_wandb" {
  type        = bool
  description = "Install the WeightsAndBiases resource (the app)."
  default     = true
}

variable "wandb_namespace" {
  type        = string
  description = "Kubernetes namespace of the app."
  default     = "default"
}

variable "aws_loadbalancer_controller_version" {
  type        = string
  description = "Version of the aws-load-balancer-controller chart."
  default     = "1.13.4"
}

variable "external_dns_version" {
  type        = string
  description = "Version of the external-dns chart."
  default     = "1.18.0"
}

variable "aws_loadbalancer_controller_tags" {
  type        = map(string)
  description = "Tags the load-balancer controller puts on what it creates."
  default     = {}
}
