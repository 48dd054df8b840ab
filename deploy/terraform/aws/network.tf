# The VPC: public subnets for internet-facing load balancers, private subnets with a NAT gateway per
# zone for the nodes, and separate database and cache subnets. create_vpc = false uses yours.

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:The module takes the first zones by name (local.zones), so a zone AWS adds later does not change which ones it uses.
  state = "available"
}

locals {
  zones = slice(data.aws_availability_zones.available.names, 0, length(var.network_private_subnet_cidrs))

  vpc_id             = var.create_vpc ? aws_vpc.main[0].id : var.network_id
  private_subnet_ids = var.create_vpc ? aws_subnet.private[*].id : var.network_private_subnets
  public_subnet_ids  = var.create_vpc ? aws_subnet.public[*].id : var.network_public_subnets
  database_subnet_ids = var.create_vpc ? aws_subnet.database[*].id : (
    length(var.network_database_subnets) > 0 ? var.network_database_subnets : var.network_private_subnets
  )
  elasticache_subnet_ids = var.create_vpc ? aws_subnet.elasticache[*].id : (
    length(var.network_elasticache_subnets) > 0 ? var.network_elasticache_subnets : var.network_private_subnets
  )
  vpc_cidr = var.create_vpc ? var.network_cidr : data.aws_vpc.existing[0].cidr_block
}

data "aws_vpc" "existing" {
  count = var.create_vpc ? 0 : 1
  id    = var.network_id
}

resource "aws_vpc" "main" {
  count = var.create_vpc ? 1 : 0

  cidr_block           = var.network_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = "${var.namespace}-vpc" })
}

# No rules: nothing uses the default security group.
resource "aws_default_security_group" "main" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.main[0].id
  tags   = local.tags
}

resource "aws_flow_log" "main" {
  count = var.create_vpc ? 1 : 0

  vpc_id               = aws_vpc.main[0].id
  traffic_type         = "REJECT"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_log[0].arn
  iam_role_arn         = aws_iam_role.flow_log[0].arn
  tags                 = local.tags
}

resource "aws_cloudwatch_log_group" "flow_log" {
  count = var.create_vpc ? 1 : 0

  name              = "/aws/vpc/${var.namespace}/flow-log"
  retention_in_days = 365
  kms_key_id        = local.kms_key_id
  tags              = local.tags
}

resource "aws_iam_role" "flow_log" {
  count = var.create_vpc ? 1 : 0

  name = "${var.namespace}-flow-log"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "flow_log" {
  count = var.create_vpc ? 1 : 0

  name = "write-flow-log"
  role = aws_iam_role.flow_log[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = "${aws_cloudwatch_log_group.flow_log[0].arn}:*"
    }]
  })
}

resource "aws_internet_gateway" "main" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.main[0].id
  tags   = merge(local.tags, { Name = "${var.namespace}-igw" })
}

resource "aws_subnet" "public" {
  count = var.create_vpc ? length(var.network_public_subnet_cidrs) : 0

  vpc_id            = aws_vpc.main[0].id
  cidr_block        = var.network_public_subnet_cidrs[count.index]
  availability_zone = local.zones[count.index % length(local.zones)]
  # Load balancers only: nothing launched here gets a public address.
  map_public_ip_on_launch = false
  tags = merge(local.tags, {
    Name                     = "${var.namespace}-public-${count.index}"
    "kubernetes.io/role/elb" = "1"
  })
}

resource "aws_subnet" "private" {
  count = var.create_vpc ? length(var.network_private_subnet_cidrs) : 0

  vpc_id            = aws_vpc.main[0].id
  cidr_block        = var.network_private_subnet_cidrs[count.index]
  availability_zone = local.zones[count.index]
  tags = merge(local.tags, {
    Name                              = "${var.namespace}-private-${count.index}"
    "kubernetes.io/role/internal-elb" = "1"
  })
}

resource "aws_subnet" "database" {
  count = var.create_vpc ? length(var.network_database_subnet_cidrs) : 0

  vpc_id            = aws_vpc.main[0].id
  cidr_block        = var.network_database_subnet_cidrs[count.index]
  availability_zone = local.zones[count.index % length(local.zones)]
  tags              = merge(local.tags, { Name = "${var.namespace}-database-${count.index}" })
}

resource "aws_subnet" "elasticache" {
  count = var.create_vpc && local.create_redis ? length(var.network_elasticache_subnet_cidrs) : 0

  vpc_id            = aws_vpc.main[0].id
  cidr_block        = var.network_elasticache_subnet_cidrs[count.index]
  availability_zone = local.zones[count.index % length(local.zones)]
  tags              = merge(local.tags, { Name = "${var.namespace}-elasticache-${count.index}" })
}

resource "aws_eip" "nat" {
  #checkov:skip=CKV2_AWS_19:These addresses belong to the NAT gateways below, not to instances.
  count = var.create_vpc ? length(local.zones) : 0

  domain = "vpc"
  tags   = merge(local.tags, { Name = "${var.namespace}-nat-${count.index}" })
}

resource "aws_nat_gateway" "main" {
  count = var.create_vpc ? length(local.zones) : 0

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index % length(aws_subnet.public)].id
  tags          = merge(local.tags, { Name = "${var.namespace}-nat-${count.index}" })

  depends_on = [aws_internet_gateway.main]
}

resource "aws_route_table" "public" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.main[0].id
  tags   = merge(local.tags, { Name = "${var.namespace}-public" })
}

resource "aws_route" "public_internet" {
  count = var.create_vpc ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.main[0].id
}

resource "aws_route_table_association" "public" {
  count = var.create_vpc ? length(aws_subnet.public) : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

# One table per zone, through that zone's NAT gateway; the database and cache subnets share it.
resource "aws_route_table" "private" {
  count  = var.create_vpc ? length(local.zones) : 0
  vpc_id = aws_vpc.main[0].id
  tags   = merge(local.tags, { Name = "${var.namespace}-private-${count.index}" })
}

resource "aws_route" "private_nat" {
  count = var.create_vpc ? length(local.zones) : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main[count.index].id
}

resource "aws_route_table_association" "private" {
  count = var.create_vpc ? length(aws_subnet.private) : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index % length(local.zones)].id
}

resource "aws_route_table_association" "database" {
  count = var.create_vpc ? length(aws_subnet.database) : 0

  subnet_id      = aws_subnet.database[count.index].id
  route_table_id = aws_route_table.private[count.index % length(local.zones)].id
}

resource "aws_route_table_association" "elasticache" {
  count = var.create_vpc ? length(aws_subnet.elasticache) : 0

  subnet_id      = aws_subnet.elasticache[count.index].id
  route_table_id = aws_route_table.private[count.index % length(local.zones)].id
}
