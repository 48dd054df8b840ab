# Aurora MySQL 8: encrypted with the module's key, TLS required, the master password generated here
# and kept in Secrets Manager (the app receives it through the chart's Secret).

resource "random_password" "database" {
  length = 32
  # It travels inside a mysql:// URL; letters and digits need no escaping.
  special = false
}

resource "aws_secretsmanager_secret" "database" {
  #checkov:skip=CKV2_AWS_57:Rotating the password would break the app until its spec is re-applied; rotate by tainting random_password.database and applying, which updates both.
  name_prefix             = "${var.namespace}-database-"
  description             = "Ballast ${var.namespace}: Aurora MySQL master credentials"
  kms_key_id              = aws_kms_key.key.arn
  recovery_window_in_days = var.deletion_protection ? 30 : 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "database" {
  secret_id = aws_secretsmanager_secret.database.id
  secret_string = jsonencode({
    engine   = "mysql"
    host     = aws_rds_cluster.main.endpoint
    port     = aws_rds_cluster.main.port
    username = aws_rds_cluster.main.master_username
    password = random_password.database.result
    dbname   = var.database_name
  })
}

resource "aws_db_subnet_group" "main" {
  name       = "${var.namespace}-database"
  subnet_ids = local.database_subnet_ids
  tags       = local.tags
}

resource "aws_security_group" "database" {
  name        = "${var.namespace}-database"
  description = "Aurora MySQL of Ballast ${var.namespace}: reachable from the cluster's nodes and pods only"
  vpc_id      = local.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "database_from_cluster" {
  security_group_id            = aws_security_group.database.id
  description                  = "MySQL from the EKS cluster (nodes and pods)"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
}

# Server-side settings Ballast relies on: utf8mb4 with binary collation (run names and keys compare
# byte for byte), history writes up to 256 MB per statement, TLS only.
resource "aws_rds_cluster_parameter_group" "main" {
  name_prefix = "${var.namespace}-cluster-"
  family      = "aurora-mysql8.0"
  description = "Ballast ${var.namespace}"

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }
  parameter {
    name  = "collation_server"
    value = "utf8mb4_bin"
  }
  parameter {
    name  = "require_secure_transport"
    value = "ON"
  }
  parameter {
    name  = "innodb_online_alter_log_max_size"
    value = "268435456"
  }

  lifecycle {
    create_before_destroy = true
  }
  tags = local.tags
}

resource "aws_db_parameter_group" "main" {
  name_prefix = "${var.namespace}-instance-"
  family      = "aurora-mysql8.0"
  description = "Ballast ${var.namespace}"

  parameter {
    name  = "max_allowed_packet"
    value = "268435456"
  }
  parameter {
    name  = "sort_buffer_size"
    value = tostring(var.database_sort_buffer_size)
  }
  parameter {
    name         = "performance_schema"
    value        = "1"
    apply_method = "pending-reboot"
  }
  parameter {
    name  = "slow_query_log"
    value = "1"
  }
  parameter {
    name  = "long_query_time"
    value = "4"
  }
  parameter {
    name  = "max_prepared_stmt_count"
    value = "1048576"
  }

  lifecycle {
    create_before_destroy = true
  }
  tags = local.tags
}

resource "aws_rds_cluster" "main" {
  #checkov:skip=CKV2_AWS_8:Aurora's own continuous backups (14 days, point-in-time restore) protect the data; an AWS Backup plan is an account-wide choice that can be added around this module.
  #checkov:skip=CKV_AWS_326:Backtracking rewinds the whole cluster; point-in-time restore (14 days of backups) covers recovery without its storage cost.
  cluster_identifier                  = var.namespace
  engine                              = "aurora-mysql"
  engine_version                      = var.database_engine_version
  database_name                       = var.database_name
  master_username                     = var.database_master_username
  master_password                     = random_password.database.result
  snapshot_identifier                 = var.database_snapshot_identifier
  db_subnet_group_name                = aws_db_subnet_group.main.name
  vpc_security_group_ids              = [aws_security_group.database.id]
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.main.name
  storage_encrypted                   = true
  kms_key_id                          = var.database_kms_key_arn != "" ? var.database_kms_key_arn : aws_kms_key.key.arn
  iam_database_authentication_enabled = true
  backup_retention_period             = 14
  preferred_backup_window             = "02:00-03:00"
  preferred_maintenance_window        = "sun:05:00-sun:06:00"
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = !var.deletion_protection
  final_snapshot_identifier           = "${var.namespace}-final"
  enabled_cloudwatch_logs_exports     = ["audit", "error", "general", "slowquery"]
  tags                                = local.tags

  lifecycle {
    ignore_changes = [snapshot_identifier]
  }
}

resource "aws_rds_cluster_instance" "main" {
  identifier                            = "${var.namespace}-1"
  cluster_identifier                    = aws_rds_cluster.main.id
  engine                                = aws_rds_cluster.main.engine
  engine_version                        = aws_rds_cluster.main.engine_version
  instance_class                        = local.database_instance_class
  db_parameter_group_name               = aws_db_parameter_group.main.name
  db_subnet_group_name                  = aws_db_subnet_group.main.name
  publicly_accessible                   = false
  auto_minor_version_upgrade            = true
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.key.arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.rds_monitoring.arn
  tags                                  = local.tags
}

resource "aws_iam_role" "rds_monitoring" {
  name = "${var.namespace}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
