# Tally: the whole system that ../../../template.yaml describes for SAM and the local runtime, composed of the
# dynamodb-table, sqs-queue and lambda-function modules. environments/dev and environments/prod each call it once,
# with their own variables. Files: tables.tf, queues.tf (and the event bus), kms.tf (the key and the alarm topic),
# permissions.tf (one policy per function), functions.tf, triggers.tf (event source mappings, HTTP API, schedule),
# monitoring.tf (alarms with their runbooks, the pipeline dashboard).
#
# Names mirror the template's logical IDs in snake_case (AccountsTable -> module.accounts_table,
# UsageIngestFunction -> module.usage_ingest_function, BillingEventBus -> aws_cloudwatch_event_bus.billing_event_bus,
# StripeWebhookSecretArn -> var.stripe_webhook_secret_arn): infra-tests' TemplateTerraformAgreementTest pairs them by
# these names and fails when the two definitions diverge.

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  region    = data.aws_region.current.name
  partition = data.aws_partition.current.partition
  account   = var.aws_account_id

  # Every alarm notifies the stack's topic, and whatever else the environment adds.
  alarm_actions = concat([aws_sns_topic.alarms.arn], var.alarm_actions)

  # The functions' code: the jars Maven builds (functions/<name>/target/<name>.jar).
  artifacts_dir = coalesce(var.artifacts_dir, "${path.module}/../../../functions")

  # Template Globals.Function.Environment: every function gets these.
  common_environment = {
    POWERTOOLS_SERVICE_NAME = "tally"
    JAVA_TOOL_OPTIONS       = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
    # Log4j 2 configuration inside each jar: JSON lines through Powertools' Lambda layout.
    LOG4J_CONFIGURATION_FILE = "log4j2-lambda.xml"
    ACCOUNTS_TABLE           = module.accounts_table.dynamodb_table_name
    SUBSCRIPTIONS_TABLE      = module.subscriptions_table.dynamodb_table_name
    WEBHOOK_EVENTS_TABLE     = module.webhook_events_table.dynamodb_table_name
    USAGE_EVENTS_TABLE       = module.usage_events_table.dynamodb_table_name
    USAGE_BUCKETS_TABLE      = module.usage_buckets_table.dynamodb_table_name
    # Template parameter UsageBackdatingWindowSeconds.
    USAGE_BACKDATING_WINDOW_SECONDS = tostring(var.usage_backdating_window_seconds)
    USAGE_REJECTIONS_TABLE          = module.usage_rejections_table.dynamodb_table_name
    CREDITS_TABLE                   = module.credits_table.dynamodb_table_name
    INVOICES_TABLE                  = module.invoices_table.dynamodb_table_name
    INVOICE_LINES_TABLE             = module.invoice_lines_table.dynamodb_table_name
    BILLING_GRACE_PERIOD_SECONDS    = tostring(var.billing_grace_period_seconds)
    STRIPE_SYNC_TABLE               = module.stripe_sync_table.dynamodb_table_name
    ALERTS_TABLE                    = module.alerts_table.dynamodb_table_name
    PAYMENTS_TABLE                  = module.payments_table.dynamodb_table_name
    ENTITLEMENTS_TABLE              = module.entitlements_table.dynamodb_table_name
    RECONCILIATIONS_TABLE           = module.reconciliations_table.dynamodb_table_name
  }

  # Narrower than SAM's DynamoDBReadPolicy / DynamoDBCrudPolicy, which add Scan, DescribeTable, BatchGetItem,
  # BatchWriteItem and DeleteItem: the handlers (shared/src/main/java/dev/tally) use none of them. Invoices and ledger
  # entries are immutable and webhook dedup markers expire by TTL. TransactWriteItems has no action of its own: each
  # item is authorised by PutItem, UpdateItem or ConditionCheckItem on its table. A handler that starts using another
  # action needs it added here: the local runtime does not enforce IAM, so only production would notice.
  dynamodb_read_actions = [
    "dynamodb:GetItem",
    "dynamodb:Query",
  ]
  dynamodb_write_actions = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
  ]
  # What a DynamoDB stream event source mapping needs (AWSLambdaDynamoDBExecutionRole, scoped to the streams).
  dynamodb_stream_actions = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
  ]
  # What an SQS event source mapping needs (AWSLambdaSQSQueueExecutionRole, scoped to the queue).
  sqs_consume_actions = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
  ]

  # Using the stack's key: consumers of its queues and streams decrypt, senders to its queues and bus also
  # generate data keys. (DynamoDB uses the key through its own grant: table readers and writers need no KMS action.)
  kms_decrypt_actions = ["kms:Decrypt"]
  kms_send_actions    = ["kms:Decrypt", "kms:GenerateDataKey"]

  # Event filter patterns (template FilterCriteria), written as HCL and encoded with jsonencode.
  # An invoice is pushed once it is finalized: its header turns from draft to open.
  new_invoices_filter_pattern = {
    eventName = ["MODIFY"]
    dynamodb = {
      NewImage = { status = { S = ["open"] } }
      OldImage = { status = { S = ["draft"] } }
    }
  }
  new_usage_events_filter_pattern = {
    eventName = ["INSERT"]
  }
  usage_bucket_items_filter_pattern = {
    dynamodb = {
      Keys = {
        bucketKey = {
          S = [{ prefix = "H#" }]
        }
      }
    }
  }
  # New ledger entries (balance thresholds, expiries), and grants marked warned of their coming expiry.
  credit_entries_filter_pattern = {
    eventName = ["INSERT"]
    dynamodb = {
      Keys = {
        entryKey = {
          S = [{ prefix = "LEDGER#" }]
        }
      }
    }
  }
  # Entitlements follow the prepaid balance: every change of it is a new ledger entry.
  credit_balance_changes_filter_pattern = {
    eventName = ["INSERT"]
    dynamodb = {
      Keys = {
        entryKey = {
          S = [{ prefix = "LEDGER#" }]
        }
      }
    }
  }
  credit_expiry_warnings_filter_pattern = {
    eventName = ["MODIFY"]
    dynamodb = {
      Keys = {
        entryKey = {
          S = [{ prefix = "GRANT#" }]
        }
      }
      OldImage = {
        expiryState = {
          S = ["open"]
        }
      }
      NewImage = {
        expiryState = {
          S = ["warned"]
        }
      }
    }
  }
}
