package dev.tally.webhook;

/** The event cannot be applied yet (e.g. its customer is not known yet); Stripe should deliver it again later. */
final class RetryLaterException extends Exception {
    RetryLaterException(String message) {
        super(message, null, false, false);
    }
}
