package dev.tally.stripesync;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which Stripe failures are retried and which change the next attempt's idempotency keys
 * (https://docs.stripe.com/error-low-level): a failure with no answer may still execute (same keys), an answer may be
 * saved under its key (new keys), 409 and 429 are not saved.
 */
class StripeFailureTest {

    @ParameterizedTest(name = "{0} {1} -> {2}, new keys {3}")
    @CsvSource(nullValues = "-", value = {
            "0,   -,                     TRANSIENT, false",
            "429, invalid_request_error, TRANSIENT, false",
            "409, idempotency_error,     TRANSIENT, false",
            "500, api_error,             TRANSIENT, true",
            "503, api_error,             TRANSIENT, true",
            "401, invalid_request_error, TRANSIENT, true",
            "400, idempotency_error,     TRANSIENT, true",
            "400, invalid_request_error, PERMANENT, true",
            "404, invalid_request_error, PERMANENT, true",
            "402, card_error,            PERMANENT, true"})
    void classifiesByStatusAndType(int status, String type, StripeFailure.Kind kind, boolean newKeys) {
        StripeFailure failure = StripeFailure.of("create invoice failed", status, type, "some_code", null);

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.permanent()).isEqualTo(kind == StripeFailure.Kind.PERMANENT);
        assertThat(failure.keyMustChange()).isEqualTo(newKeys);
        assertThat(failure.httpStatus()).isEqualTo(status);
        assertThat(failure.code()).isEqualTo("some_code");
        assertThat(failure.getMessage()).isEqualTo("create invoice failed");
    }
}
