package dev.tally.local.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.Stripe;
import com.stripe.net.Webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;

/**
 * Builds Stripe webhook payloads from Stripe's own fixture objects (resources {@code stripe-fixtures/}, from
 * stripe-mock's fixtures3.json) and signs them as Stripe does: {@code Stripe-Signature: t=<seconds>,v1=<hex
 * HMAC-SHA256 of "t.payload" with the endpoint secret>} (https://docs.stripe.com/webhooks#verify-manually).
 */
public final class StripeEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StripeEvents() {
    }

    /**
     * @param name fixture name: {@code customer}, {@code subscription}, {@code checkout.session}, {@code invoice},
     *     {@code charge} or {@code entitlements.active_entitlement_summary}
     * @return a fresh mutable copy of the fixture object
     */
    public static ObjectNode fixture(String name) {
        try (InputStream in = StripeEvents.class.getResourceAsStream("/stripe-fixtures/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no Stripe fixture " + name);
            }
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A {@code customer} from the fixture.
     *
     * @param id {@code cus_...}
     * @param accountId Tally account id, put in {@code metadata.tally_account_id}
     * @param name customer name
     * @param email customer email
     * @param created seconds since the epoch
     * @return the customer object
     */
    public static ObjectNode customer(String id, String accountId, String name, String email, long created) {
        ObjectNode c = fixture("customer");
        c.put("id", id).put("name", name).put("email", email).put("created", created);
        c.putNull("discount");
        c.putObject("metadata").put("tally_account_id", accountId);
        return c;
    }

    /**
     * A monthly {@code subscription} from the fixture, on one price, in its first billing period.
     *
     * @param id {@code sub_...}
     * @param customer {@code cus_...}
     * @param priceId the catalog's Stripe price id, e.g. {@code price_tally_team_monthly}
     * @param currency lowercase ISO 4217 code
     * @param start start date and billing cycle anchor, seconds since the epoch
     * @param periodEnd end of the first period, seconds since the epoch
     * @return the subscription object
     */
    public static ObjectNode subscription(String id, String customer, String priceId, String currency, long start, long periodEnd) {
        ObjectNode s = fixture("subscription");
        s.put("id", id).put("customer", customer).put("currency", currency).put("status", "active")
                .put("created", start).put("start_date", start).put("billing_cycle_anchor", start)
                .put("cancel_at_period_end", false);
        for (String f : new String[]{"cancel_at", "canceled_at", "ended_at", "trial_start", "trial_end",
                "next_pending_invoice_item_invoice", "pending_update", "pause_collection", "billing_cycle_anchor_config",
                "transfer_data", "pending_invoice_item_interval"}) {
            s.putNull(f);
        }
        s.putObject("metadata");
        ObjectNode item = (ObjectNode) s.path("items").path("data").get(0);
        item.put("id", "si_" + id.substring(4)).put("subscription", id)
                .put("current_period_start", start).put("current_period_end", periodEnd);
        item.remove("plan");
        ObjectNode price = (ObjectNode) item.get("price");
        price.put("id", priceId).put("currency", currency).put("lookup_key", priceId).put("unit_amount", 0)
                .put("unit_amount_decimal", "0").putNull("transform_quantity");
        ((ObjectNode) price.get("recurring")).put("interval", "month").put("interval_count", 1);
        ((ArrayNode) s.path("items").path("data")).removeAll().add(item);
        return s;
    }

    /**
     * A paid one-off Checkout Session that buys prepaid credits ({@code metadata.tally_purpose=prepaid_credits}).
     *
     * @param id {@code cs_...}
     * @param customer {@code cus_...}
     * @param amountMinor amount paid and credited, minor units
     * @param currency lowercase ISO 4217 code
     * @param created seconds since the epoch
     * @return the checkout.session object
     */
    public static ObjectNode creditPurchase(String id, String customer, long amountMinor, String currency, long created) {
        ObjectNode s = fixture("checkout.session");
        s.put("id", id).put("customer", customer).put("mode", "payment").put("payment_status", "paid")
                .put("status", "complete").put("amount_total", amountMinor).put("amount_subtotal", amountMinor)
                .put("currency", currency).put("created", created).putNull("url")
                .put("payment_intent", paymentIntentOf(id));
        s.putObject("total_details").put("amount_discount", 0).put("amount_tax", 0).putNull("amount_shipping");
        s.putObject("metadata").put("tally_purpose", "prepaid_credits");
        return s;
    }

    /**
     * @param checkoutSessionId {@code cs_...}
     * @return the payment intent {@link #creditPurchase} gives that session: {@code pi_} and the session id's rest
     */
    public static String paymentIntentOf(String checkoutSessionId) {
        return "pi_" + checkoutSessionId.substring(checkoutSessionId.indexOf('_') + 1);
    }

    /**
     * The {@code charge} behind a {@link #creditPurchase}, as {@code charge.refunded} carries it after refunds.
     *
     * @param id {@code ch_...}
     * @param customer {@code cus_...}
     * @param paymentIntent the purchase's {@code pi_...} ({@link #paymentIntentOf})
     * @param amountMinor amount charged, minor units
     * @param refundedMinor amount refunded so far (cumulative), minor units
     * @param currency lowercase ISO 4217 code
     * @param created seconds since the epoch
     * @return the charge object (its billing details are the fixture's)
     */
    public static ObjectNode charge(String id, String customer, String paymentIntent, long amountMinor, long refundedMinor,
                                    String currency, long created) {
        ObjectNode c = fixture("charge");
        c.put("id", id).put("customer", customer).put("payment_intent", paymentIntent).put("amount", amountMinor)
                .put("amount_captured", amountMinor).put("amount_refunded", refundedMinor).put("captured", true)
                .put("paid", true).put("status", "succeeded").put("refunded", refundedMinor >= amountMinor)
                .put("currency", currency).put("created", created);
        c.putObject("metadata");
        return c;
    }

    /**
     * An {@code entitlements.active_entitlement_summary} listing these features.
     *
     * @param customer {@code cus_...}
     * @param lookupKeys the features' lookup keys
     * @return the summary object
     */
    public static ObjectNode entitlementSummary(String customer, String... lookupKeys) {
        ObjectNode summary = fixture("entitlements.active_entitlement_summary");
        summary.put("customer", customer).put("livemode", false);
        ObjectNode list = (ObjectNode) summary.get("entitlements");
        ObjectNode template = (ObjectNode) list.path("data").get(0);
        ArrayNode data = list.putArray("data");
        for (String key : lookupKeys) {
            ObjectNode e = template.deepCopy();
            e.put("id", "ent_" + key).put("lookup_key", key).put("livemode", false);
            ((ObjectNode) e.get("feature")).put("id", "feat_" + key).put("lookup_key", key).put("name", key).put("livemode", false);
            data.add(e);
        }
        list.put("has_more", false).put("url", "/v1/customer/" + customer + "/entitlements");
        return summary;
    }

    /**
     * A finalized subscription {@code invoice} from the fixture, paid or still open (a failed payment), with one line
     * for the whole amount: what {@code invoice.paid} and {@code invoice.payment_failed} carry.
     *
     * @param id {@code in_...}
     * @param customer {@code cus_...}
     * @param subscription {@code sub_...}, or null for an invoice outside a subscription
     * @param amountMinor amount due, minor units
     * @param currency lowercase ISO 4217 code
     * @param paid true: status {@code paid}, amount paid in full; false: status {@code open}, one failed attempt
     * @param created seconds since the epoch (also the period and finalization times)
     * @return the invoice object
     */
    public static ObjectNode invoice(String id, String customer, String subscription, long amountMinor, String currency,
                                     boolean paid, long created) {
        ObjectNode i = fixture("invoice");
        i.put("id", id).put("customer", customer).put("currency", currency).put("status", paid ? "paid" : "open")
                .put("amount_due", amountMinor).put("amount_paid", paid ? amountMinor : 0)
                .put("amount_remaining", paid ? 0 : amountMinor).put("subtotal", amountMinor).put("total", amountMinor)
                .put("created", created).put("period_start", created).put("period_end", created)
                .put("effective_at", created).put("due_date", created).put("attempted", true).put("attempt_count", 1)
                .put("billing_reason", subscription == null ? "manual" : "subscription_cycle")
                .putNull("last_finalization_error").putNull("from_invoice");
        // Paid: Stripe stamps the payment and tries no more. Failed: it retries three days later (Smart Retries vary).
        if (paid) {
            i.putNull("next_payment_attempt");
            ((ObjectNode) i.get("status_transitions")).put("finalized_at", created).put("paid_at", created);
        } else {
            i.put("next_payment_attempt", created + 3 * 86_400L);
            ((ObjectNode) i.get("status_transitions")).put("finalized_at", created);
        }
        ObjectNode parent = i.putObject("parent");
        if (subscription == null) {
            parent.putNull("subscription_details").put("type", "quote_details");
        } else {
            parent.put("type", "subscription_details").putObject("subscription_details").put("subscription", subscription)
                    .putNull("metadata");
        }
        ObjectNode line = (ObjectNode) i.path("lines").path("data").get(0);
        line.put("amount", amountMinor).put("currency", currency).put("invoice", id).put("description", "Usage");
        ((ArrayNode) i.path("lines").path("data")).removeAll().add(line);
        return i;
    }

    /**
     * Wraps an object in an {@code event} envelope with the library's API version (so stripe-java maps it safely).
     *
     * @param id {@code evt_...}
     * @param type e.g. {@code customer.created}
     * @param created seconds since the epoch
     * @param object the event's {@code data.object}
     * @return the event JSON, as Stripe would POST it
     */
    public static String event(String id, String type, long created, JsonNode object) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", id).put("object", "event").put("api_version", Stripe.API_VERSION).put("created", created)
                .put("livemode", false).put("pending_webhooks", 1).put("type", type);
        e.putObject("data").set("object", object);
        e.putObject("request").putNull("id").putNull("idempotency_key");
        return e.toString();
    }

    /**
     * @param payload the exact body to send
     * @param secret the endpoint's signing secret, {@code whsec_...}
     * @param timestamp signing time, seconds since the epoch
     * @return the {@code Stripe-Signature} header value
     */
    public static String sign(String payload, String secret, long timestamp) {
        try {
            String v1 = Webhook.Util.computeHmacSha256(secret, timestamp + "." + payload);
            return "t=" + timestamp + ",v1=" + v1;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("cannot sign with HMAC-SHA256", e);
        }
    }
}
