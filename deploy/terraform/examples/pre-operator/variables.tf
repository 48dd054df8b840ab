variable "namespace" {
  type        = string
  description = "리소스에 사용되는 이름 접두사"
}

variable "domain_name" {
  type        = string
  description = "인스턴스에 엑세스하는 데 사용되는 도메인 이름입니다."
}

variable "subdomain" {
  type        = string
  default     = null
  description = "Weights & Biases UI에 엑세스하기 위한 서브도메인입니다."
}

variable "license" {
  type = string
}

variable "zone_id" {
  type        = string
  description = "Weights & Biases 서브도메인을 생성할 도메인입니다."
}

variable "allowed_inbound_cidr" {
  description = "wandb-server에 엑세스할 수 있는 CIDR입니다."
  nullable    = false
  type        = list(string)
}

variable "allowed_inbound_ipv6_cidr" {
  description = "wandb-server에 엑세스할 수 있는 CIDR입니다."
  nullable    = false
  type        = list(string)
}
