# The bucket Ballast keeps files and artifacts in, and — with use_internal_queue = false — the SQS
# queue its object-created notifications go to, which the app reads (BUCKET_QUEUE=sqs://…) to
# confirm uploads made straight to presigned URLs.

resource "random_pet" "bucket" {
  length = 2
}

locals {
  bucket_name    = local.create_bucket ? aws_s3_bucket.files[0].id : var.bucket_name
  bucket_kms_key = local.create_bucket ? aws_kms_key.key.arn : var.bucket_kms_key_arn
  queue_name     = "${var.namespace}-file-storage-${random_pet.bucket.id}"
}

resource "aws_s3_bucket" "files" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket per install; reads and writes are authorised by the app and recorded in its audit log, and CloudTrail data events can be enabled account-wide.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the account (versioning and KMS are on); it doubles storage cost, so it is not the default.
  #checkov:skip=CKV2_AWS_62:Object-created notifications go to SQS when use_internal_queue = false (aws_s3_bucket_notification.files); with the internal queue Ballast confirms uploads itself.
  count = local.create_bucket ? 1 : 0

  bucket        = "${var.namespace}-file-storage-${random_pet.bucket.id}"
  force_destroy = !var.deletion_protection
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "files" {
  count  = local.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.files[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "files" {
  count = local.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.files[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "files" {
  count  = local.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.files[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "files" {
  count  = local.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.files[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.key.arn
    }
    bucket_key_enabled = true
  }
}

# Browsers on the app's origin GET files and PUT uploads to presigned URLs (the server checks this
# rule at start and warns when it is missing).
resource "aws_s3_bucket_cors_configuration" "files" {
  count  = local.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.files[0].id
  cors_rule {
    allowed_origins = [for host in local.hostnames : "${local.has_tls ? "https" : "http"}://${host}"]
    allowed_methods = ["GET", "HEAD", "PUT"]
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

# Housekeeping only: nothing here expires current objects or their history. Unfinished multipart
# uploads are aborted, and older versions move to a cheaper class (they stay readable).
resource "aws_s3_bucket_lifecycle_configuration" "files" {
  count  = local.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.files[0].id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "noncurrent-versions-to-infrequent-access"
    status = "Enabled"
    filter {}
    noncurrent_version_transition {
      noncurrent_days = 30
      storage_class   = "STANDARD_IA"
    }
  }

  depends_on = [aws_s3_bucket_versioning.files]
}

resource "aws_s3_bucket_policy" "files" {
  count  = local.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.files[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TLSOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.files[0].arn, "${aws_s3_bucket.files[0].arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.files]
}

resource "aws_sqs_queue" "files_dead_letter" {
  count = local.use_sqs ? 1 : 0

  name                      = "${local.queue_name}-dead-letter"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags                      = local.tags
}

resource "aws_sqs_queue" "files" {
  count = local.use_sqs ? 1 : 0

  name = local.queue_name
  # SSE-SQS: S3 can deliver to it without a key grant.
  sqs_managed_sse_enabled    = true
  receive_wait_time_seconds  = 20
  visibility_timeout_seconds = 60
  message_retention_seconds  = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.files_dead_letter[0].arn
    maxReceiveCount     = 10
  })
  tags = local.tags
}

resource "aws_sqs_queue_policy" "files" {
  count     = local.use_sqs ? 1 : 0
  queue_url = aws_sqs_queue.files[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "BucketNotifications"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.files[0].arn
      Condition = {
        ArnEquals    = { "aws:SourceArn" = aws_s3_bucket.files[0].arn }
        StringEquals = { "aws:SourceAccount" = local.account_id }
      }
    }]
  })
}

resource "aws_s3_bucket_notification" "files" {
  count  = local.use_sqs ? 1 : 0
  bucket = aws_s3_bucket.files[0].id
  queue {
    queue_arn     = aws_sqs_queue.files[0].arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = var.bucket_path == "" ? null : "${trim(var.bucket_path, "/")}/"
  }
  depends_on = [aws_sqs_queue_policy.files]
}
