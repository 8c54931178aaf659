# One customer managed key per environment encrypts everything Tally stores or passes on: tables (with their
# streams and backups), queues, the billing bus, log groups, the functions' environment variables and the alarm
# topic. Rotated yearly; deleting it waits 30 days. Who may use it: IAM policies of this account (each function's
# names exactly the key, see permissions.tf), and the services below, each only for Tally's own resources.

data "aws_iam_policy_document" "kms" {
  # Key administration by the account's IAM policies (no kms:* wildcard: the actions are listed).
  statement {
    sid = "AccountAdministersTheKey"
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
      "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
      "kms:Encrypt", "kms:GenerateDataKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases",
      "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo",
      "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
      "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ]
    # In a key policy, "*" is this key.
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsForTallyLogGroups"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/lambda/${var.name_prefix}-*",
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/apigateway/${var.name_prefix}-*",
        "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/events/${var.name_prefix}-*",
      ]
    }
  }

  # Alarms publish to the encrypted topic; EventBridge encrypts the billing bus's events.
  statement {
    sid       = "AlarmsAndBillingBus"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_kms_key" "tally_key" {
  description             = "Tally ${var.environment}: tables, queues, billing bus, logs, function environments, alarm topic."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "tally_key" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.tally_key.key_id
}

# Where every alarm goes (alarm_actions adds more); subscribe the on-call channel to it.
resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.tally_key.arn
}
