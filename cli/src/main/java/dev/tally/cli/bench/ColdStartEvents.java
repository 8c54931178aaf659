package dev.tally.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.stripe.StripeEvents;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The two events each function receives in {@code tally bench coldstart}, as Lambda would deliver them: what the
 * function does on a typical call, on an empty system. stripe-webhook applies two signed {@code customer.created}
 * events; usage-ingest rejects a usage event of an unknown account (one lookup, one write); billing-run queries its
 * empty work list; invoice-generator handles a job for a subscription that does not exist; stripe-sync skips a
 * MODIFY record (an invoice is only pushed on INSERT, which needs a complete invoice); billing-alerts reads a
 * balance change that crosses no threshold; usage-buckets adds one new event to its bucket (one transaction);
 * entitlements recomputes an account after a subscription change; entitlements-api answers 404 for an unknown account.
 * reconciliation walks the empty subscriptions and stores an empty report.
 */
final class ColdStartEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ColdStartEvents() {
    }

    /**
     * @param function the template's logical id of the function
     * @param webhookSecret the signing secret given to stripe-webhook
     * @return the first and the second event
     */
    static List<String> forFunction(String function, String webhookSecret) {
        return List.of(event(function, 1, webhookSecret), event(function, 2, webhookSecret));
    }

    private static String event(String function, int n, String webhookSecret) {
        long now = Instant.now().getEpochSecond();
        return switch (function) {
            case "StripeWebhookFunction" -> {
                ObjectNode customer = StripeEvents.customer("cus_bench" + n, "org_bench" + n, "Bench " + n,
                        "bench" + n + "@example.com", now);
                String payload = StripeEvents.event("evt_bench" + n + "_" + now, "customer.created", now, customer);
                ObjectNode e = JSON.createObjectNode().put("version", "2.0").put("routeKey", "POST /webhooks/stripe")
                        .put("rawPath", "/webhooks/stripe").put("body", payload).put("isBase64Encoded", false);
                e.putObject("headers").put("content-type", "application/json")
                        .put("stripe-signature", StripeEvents.sign(payload, webhookSecret, now));
                e.putObject("requestContext").put("requestId", "bench-" + n).putObject("http")
                        .put("method", "POST").put("path", "/webhooks/stripe");
                yield e.toString();
            }
            case "UsageIngestFunction" -> sqs("UsageQueue", JSON.createObjectNode().put("id", "ue-bench-" + n + "-" + now)
                    .put("account", "org_unknown").put("meter", "build_minutes").put("quantity", 1).put("timestamp", now)
                    .toString(), n);
            case "UsageBucketsFunction" -> stream("UsageEventsTable", "INSERT",
                    Map.of("eventKey", "org_bench#ue-bench-" + n + "-" + now),
                    Map.of("eventKey", "org_bench#ue-bench-" + n + "-" + now, "accountId", "org_bench",
                            "eventId", "ue-bench-" + n + "-" + now, "meter", "build_minutes", "quantity", 1,
                            "timestamp", now, "receivedAt", now), Map.of(), n);
            case "BillingRunFunction", "ReconciliationFunction" -> JSON.createObjectNode().put("time", Instant.ofEpochSecond(now).toString()).toString();
            case "InvoiceGeneratorFunction" -> sqs("InvoiceJobsQueue", JSON.createObjectNode()
                    .put("subscriptionId", "sub_bench" + n).put("accountId", "org_bench").put("periodStart", now - 86_400)
                    .put("periodEnd", now - 3_600).toString(), n);
            case "StripeSyncFunction" -> stream("InvoicesTable", "MODIFY",
                    Map.of("invoiceId", "tin_bench" + n), Map.of("invoiceId", "tin_bench" + n), Map.of(), n);
            case "BillingAlertsFunction" -> stream("CreditsTable", "INSERT",
                    Map.of("accountId", "org_bench", "entryKey", "LEDGER#cg_bench:drawdown:tin_bench" + n),
                    Map.of("accountId", "org_bench", "entryKey", "LEDGER#cg_bench:drawdown:tin_bench" + n,
                            "entryId", "cg_bench:drawdown:tin_bench" + n, "grantId", "cg_bench", "currency", "usd",
                            "type", "drawdown", "amountMinor", -10, "remainingAfterMinor", 990 - 10 * n,
                            "invoiceId", "tin_bench" + n, "at", now), Map.of(), n);
            case "EntitlementsFunction" -> stream("SubscriptionsTable", "MODIFY", Map.of("subscriptionId", "sub_bench" + n),
                    Map.of("subscriptionId", "sub_bench" + n, "accountId", "org_bench" + n, "planId", "team"), Map.of(), n);
            case "EntitlementsApiFunction" -> {
                ObjectNode e = JSON.createObjectNode().put("version", "2.0").put("routeKey", "GET /entitlements/{account}")
                        .put("rawPath", "/entitlements/org_bench" + n).put("isBase64Encoded", false);
                e.putObject("pathParameters").put("account", "org_bench" + n);
                e.putObject("requestContext").put("requestId", "bench-" + n).putObject("http")
                        .put("method", "GET").put("path", "/entitlements/org_bench" + n);
                yield e.toString();
            }
            default -> JSON.createObjectNode().put("bench", n).toString();
        };
    }

    private static String sqs(String queue, String body, int n) {
        ObjectNode e = JSON.createObjectNode();
        e.putArray("Records").addObject().put("messageId", "bench-" + n).put("receiptHandle", "bench-" + n)
                .put("body", body).put("eventSource", "aws:sqs").put("awsRegion", "us-east-1")
                .put("eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:" + queue)
                .putObject("attributes").put("ApproximateReceiveCount", "1")
                .put("SentTimestamp", Long.toString(System.currentTimeMillis()));
        return e.toString();
    }

    private static String stream(String table, String eventName, Map<String, Object> keys, Map<String, Object> newImage,
                                 Map<String, Object> oldImage, int n) {
        ObjectNode record = JSON.createObjectNode().put("eventID", "bench-" + n).put("eventName", eventName)
                .put("eventVersion", "1.1").put("eventSource", "aws:dynamodb").put("awsRegion", "us-east-1")
                .put("eventSourceARN", "arn:aws:dynamodb:us-east-1:000000000000:table/" + table + "/stream/bench");
        ObjectNode ddb = record.putObject("dynamodb");
        ddb.put("SequenceNumber", Integer.toString(n)).put("SizeBytes", 100).put("StreamViewType", "NEW_AND_OLD_IMAGES")
                .put("ApproximateCreationDateTime", Instant.now().getEpochSecond());
        ddb.set("Keys", image(keys));
        ddb.set("NewImage", image(newImage));
        if (!oldImage.isEmpty()) {
            ddb.set("OldImage", image(oldImage));
        }
        ObjectNode e = JSON.createObjectNode();
        e.putArray("Records").add(record);
        return e.toString();
    }

    private static ObjectNode image(Map<String, Object> attributes) {
        ObjectNode image = JSON.createObjectNode();
        attributes.forEach((name, value) -> image.putObject(name).put(value instanceof Number ? "N" : "S", value.toString()));
        return image;
    }
}
