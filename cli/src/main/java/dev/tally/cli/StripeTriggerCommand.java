package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Plan;
import dev.tally.local.stripe.StripeEvents;
import dev.tally.money.Currencies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.security.SecureRandom;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code tally stripe trigger EVENT}: what {@code stripe trigger} does against a local endpoint. Builds the event
 * from Stripe's fixture objects ({@link StripeEvents}), stamps it with the runtime's clock, signs it with the
 * runtime's webhook secret (read from the running stripe-webhook function's environment) and POSTs it to the
 * runtime's Stripe webhook route, then prints the event id and how Tally answered.
 *
 * <p>Objects are named after the Tally account, so triggers fit together without copying ids: customer
 * {@code cus_<account>} (with {@code metadata.tally_account_id=<account>}), subscription {@code sub_<account>}; a
 * subscription is on the catalog plan's first Stripe price, anchored at {@code --start} (default: now), in the billing
 * period that contains now; a prepaid-credit purchase is a paid Checkout Session in payment mode with
 * {@code metadata.tally_purpose=prepaid_credits}. Event, session and invoice ids are random, as Stripe's are.
 *
 * <p>Exit code 0 when Tally answered 2xx, 1 otherwise (e.g. 503 for a subscription of a customer not triggered yet:
 * Stripe would retry it) or when the runtime cannot be reached, 2 on invalid usage (unknown event, plan not in the
 * catalog, a required option missing).
 */
@Command(name = "trigger", mixinStandardHelpOptions = true,
        description = {"Sends a signed Stripe webhook event, built from Stripe's fixture objects, to the local runtime "
                + "and prints the event id and Tally's answer.",
                "EVENT: customer.created, customer.updated, customer.subscription.created, "
                        + "customer.subscription.updated, customer.subscription.deleted, checkout.session.completed "
                        + "(prepaid credits), invoice.paid, invoice.payment_failed.",
                "Exit code 1 when Tally did not accept it or the runtime cannot be reached, 2 on invalid usage."})
final class StripeTriggerCommand extends RuntimeCommand {
    /** The events this command builds, in the order a customer's life produces them. */
    static final List<String> EVENTS = List.of("customer.created", "customer.updated", "customer.subscription.created",
            "customer.subscription.updated", "customer.subscription.deleted", "checkout.session.completed",
            "invoice.paid", "invoice.payment_failed");
    /** The Stripe webhook route of template.yaml. */
    static final String WEBHOOK_ROUTE = "POST /webhooks/stripe";
    private static final Catalog CATALOG = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    @Parameters(paramLabel = "EVENT", description = "The event type, e.g. customer.subscription.created.")
    String event;

    @Option(names = "--account", required = true, paramLabel = "ID",
            description = "The Tally account (the product's organisation id), e.g. org_acme.")
    String account;

    @Option(names = "--customer", paramLabel = "ID", description = "Stripe customer id. Default: cus_<account>.")
    String customer;

    @Option(names = "--subscription", paramLabel = "ID", description = "Stripe subscription id. Default: sub_<account>.")
    String subscription;

    @Option(names = "--plan", paramLabel = "ID",
            description = "Catalog plan of the subscription (required for customer.subscription.*), e.g. team.")
    String plan;

    @Option(names = "--amount", paramLabel = "MINOR",
            description = "Amount in minor units (required for checkout.session.completed and invoice.*), e.g. 5000.")
    Long amount;

    @Option(names = "--currency", paramLabel = "CODE",
            description = "ISO 4217 currency of --amount. Default: the plan's, else usd.")
    String currency;

    @Option(names = "--name", paramLabel = "NAME", description = "Customer name. Default: the account id.")
    String name;

    @Option(names = "--email", paramLabel = "EMAIL", description = "Customer email. Default: billing@<account>.example.")
    String email;

    @Option(names = "--start", paramLabel = "TIME",
            description = "Subscription start and billing anchor: ISO-8601 UTC or seconds since the epoch. Default: now "
                    + "on the runtime's clock.")
    String start;

    @Override
    int run(RuntimeClient runtime) {
        if (!EVENTS.contains(event)) {
            throw new ParameterException(spec.commandLine(), "cannot trigger '" + event + "'; choose one of "
                    + String.join(", ", EVENTS));
        }
        Plan chosenPlan = plan == null ? null : CATALOG.plan(plan).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "no plan '" + plan + "' in the catalog; plans: " + String.join(", ", CATALOG.plans().keySet())));
        if (event.startsWith("customer.subscription.") && chosenPlan == null) {
            throw new ParameterException(spec.commandLine(), event + " needs --plan (plans: "
                    + String.join(", ", CATALOG.plans().keySet()) + ")");
        }
        if ((event.startsWith("checkout.") || event.startsWith("invoice.")) && (amount == null || amount <= 0)) {
            throw new ParameterException(spec.commandLine(), event + " needs --amount, a positive number of minor units "
                    + "(e.g. 5000 for 50.00 USD)");
        }
        Long anchor = start == null ? null : parseTime(start);
        JsonNode info = runtime.runtime();
        String function = webhookFunction(info);
        String secret = info.path("functions").path(function).path("environment").path("STRIPE_WEBHOOK_SECRET").asText(null);
        if (secret == null) {
            throw new Failure(function + " has no STRIPE_WEBHOOK_SECRET in the runtime (it reads its secret from "
                    + "Secrets Manager), so events cannot be signed for it; start `tally serve` with --webhook-secret");
        }
        long now = info.get("clock").asLong();
        ObjectNode object = build(chosenPlan, anchor == null ? now : anchor, now);
        String eventId = "evt_" + randomId();
        String payload = StripeEvents.event(eventId, event, now, object);
        String path = WEBHOOK_ROUTE.substring("POST ".length());
        RuntimeClient.Answer answer = runtime.post(path, payload, Map.of("content-type", "application/json",
                "stripe-signature", StripeEvents.sign(payload, secret, now)));
        JsonNode reply = answer.json();
        String outcome = reply.path("outcome").asText("") + (reply.hasNonNull("message") ? ": " + reply.get("message").asText() : "");
        out().printf("Triggered %s %s -> POST %s%s%n", event, eventId, runtime.endpoint(), path);
        out().printf("  %d %s%n", answer.status(), outcome);
        if (answer.status() / 100 != 2) {
            throw new Failure("Tally answered " + answer.status() + " to " + eventId + (answer.status() == 503
                    ? " (Stripe would retry it); trigger what it depends on first, e.g. customer.created --account " + account
                    : "") + ": " + outcome);
        }
        return 0;
    }

    private String webhookFunction(JsonNode info) {
        for (JsonNode route : info.path("routes")) {
            if (WEBHOOK_ROUTE.equals(route.path("routeKey").asText())) {
                return route.path("function").asText();
            }
        }
        throw new Failure("the runtime at " + info.path("endpoints").path("http").asText() + " has no route "
                + WEBHOOK_ROUTE + "; is it running Tally's template.yaml?");
    }

    private ObjectNode build(Plan chosenPlan, long anchor, long now) {
        String customerId = customer != null ? customer : "cus_" + account;
        String subscriptionId = subscription != null ? subscription : "sub_" + account;
        String cur = currency != null ? Currencies.normalise(currency) : chosenPlan != null ? chosenPlan.currency() : "usd";
        switch (event) {
            case "customer.created", "customer.updated" -> {
                return StripeEvents.customer(customerId, account, name != null ? name : account,
                        email != null ? email : "billing@" + account + ".example", now);
            }
            case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted" -> {
                BillingPeriod period = BillingPeriod.containing(anchor, chosenPlan.interval(), chosenPlan.intervalCount(),
                        Math.max(anchor, now));
                ObjectNode s = StripeEvents.subscription(subscriptionId, customerId, chosenPlan.stripePriceIds().getFirst(),
                        chosenPlan.currency(), anchor, period.end());
                ((ObjectNode) s.path("items").path("data").get(0)).put("current_period_start", period.start());
                if (event.endsWith(".deleted")) {
                    s.put("status", "canceled").put("canceled_at", now).put("ended_at", now);
                }
                return s;
            }
            case "checkout.session.completed" -> {
                return StripeEvents.creditPurchase("cs_" + randomId(), customerId, amount, cur, now);
            }
            default -> {
                return StripeEvents.invoice("in_" + randomId(), customerId, subscriptionId, amount, cur,
                        event.equals("invoice.paid"), now);
            }
        }
    }

    private long parseTime(String text) {
        try {
            return text.matches("\\d+") ? Long.parseLong(text) : Instant.parse(text).getEpochSecond();
        } catch (DateTimeException | NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--start '" + text + "' is not a time; write e.g. "
                    + "2026-12-01T00:00:00Z or seconds since the epoch");
        }
    }

    private static String randomId() {
        StringBuilder id = new StringBuilder("tally");
        for (int i = 0; i < 19; i++) {
            id.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
        }
        return id.toString();
    }
}
