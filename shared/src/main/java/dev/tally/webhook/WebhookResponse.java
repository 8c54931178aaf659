package dev.tally.webhook;

/**
 * What the webhook endpoint answers Stripe. Stripe treats any 2xx as delivered and retries anything else for up to
 * three days (https://docs.stripe.com/webhooks#retries).
 *
 * @param status HTTP status: 200 applied, duplicate, stale or ignored; 400 bad signature or payload (nothing
 *               changed, Stripe's retries will fail the same way); 413 body too large; 503 not applicable yet or a
 *               transient failure (retry later)
 * @param outcome short machine-readable outcome, e.g. {@code applied}, {@code duplicate}
 * @param message human-readable detail
 */
public record WebhookResponse(int status, String outcome, String message) {

    static WebhookResponse ok(String outcome, String message) {
        return new WebhookResponse(200, outcome, message);
    }

    static WebhookResponse badRequest(String message) {
        return new WebhookResponse(400, "rejected", message);
    }

    static WebhookResponse tooLarge(String message) {
        return new WebhookResponse(413, "rejected", message);
    }

    static WebhookResponse retryLater(String message) {
        return new WebhookResponse(503, "retry", message);
    }
}
