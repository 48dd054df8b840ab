variable "namespace" {
  type        = string
  description = "리소스에 사용할 이름 접두사"
}

variable "domain_name" {
  type        = string
  description = "인스턴스 엑세스에 사용할 도메인 명"
}

variable "subdomain" {
  type        = string
  default     = null
  description = "Weights & Biases UI 엑세스에 사용할 서브도메인"
}

variable "license" {
  type = string
}

variable "zone_id" {
  type        = string
  description = "Weights & Biases 서브도메인용 도메인"
}

variable "allowed_inbound_cidr" {
  description = "wandb-server 엑세스 허용 CIDR 대역"
  nullable    = false
  type        = list(string)
}

variable "allowed_inbound_ipv6_cidr" {
  description = "wandb-server 엑세스 허용 CIDR 대역"
  nullable    = false
  type        = list(string)
}

variable "eks_cluster_version" {
  description = "EKS 클러스터 쿠버네티스 버전"
  nullable    = false
  type        = string
}
