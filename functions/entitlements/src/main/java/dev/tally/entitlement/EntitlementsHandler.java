package dev.tally.entitlement;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.config.Env;
import dev.tally.lambda.Batches;
import dev.tally.lambda.Primed;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.store.StreamImages;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.util.Map;

/**
 * Streams -> {@link EntitlementService}: the {@code payments} table (a Stripe invoice's payment state: dunning), the
 * subscriptions table (plan changes) and the credits table (new ledger entries: the prepaid balance). The table is
 * told apart by the record's key attributes ({@code stripeInvoiceId}, {@code subscriptionId}, {@code entryKey}); the
 * account comes from the new image, else the old one. The billing clock is the function's clock. A record that fails
 * is reported as the batch item failure, so Lambda retries from it; redelivery changes nothing twice.
 *
 * <p>SnapStart: {@link #prime()} reads an entitlements item and an account that do not exist.
 */
public final class EntitlementsHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse>, Primed {
    private final EntitlementsWiring wiring;
    private final Clock clock;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public EntitlementsHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock the billing clock
     */
    public EntitlementsHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock the billing clock
     * @param metrics where {@code DunningTransitions} and {@code AlertsRaised} go
     */
    public EntitlementsHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.wiring = new EntitlementsWiring(Env.of(environment), metrics, true);
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Reads an account's entitlements and inputs that do not exist (no write). */
    @Override
    public void prime() {
        wiring.prime();
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Invocations.handle(context, metrics, () -> Batches.stream(event, record -> {
            var keys = record.getDynamodb().getKeys();
            Map<String, AttributeValue> newImage = StreamImages.toSdk(record.getDynamodb().getNewImage());
            Map<String, AttributeValue> image = newImage.isEmpty() ? StreamImages.toSdk(record.getDynamodb().getOldImage()) : newImage;
            long now = clock.instant().getEpochSecond();
            if (keys.containsKey("stripeInvoiceId")) {
                PaymentImages.fact(newImage).ifPresent(fact -> wiring.service.onPayment(fact, now));
            } else if (image.get("accountId") != null && image.get("accountId").s() != null) {
                wiring.service.recompute(image.get("accountId").s(), now);
            }
        }));
    }
}
