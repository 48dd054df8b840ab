namespace                 = "wandb"
license                   = "xxxxxxxxxxyyyyyyyyyyyzzzzzzz"
subdomain                 = "wandb-aws"
domain_name               = "wandb.ml"
zone_id                   = "xxxxxxxxxxxxxxxx"
allowed_inbound_cidr      = ["0.0.0.0/0"]
allowed_inbound_ipv6_cidr = ["::/0"]
eks_cluster_version       = "1.29"
