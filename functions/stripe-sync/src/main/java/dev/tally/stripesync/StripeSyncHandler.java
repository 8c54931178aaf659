package dev.tally.stripesync;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.lambda.Batches;
import dev.tally.store.InvoiceItem;
import dev.tally.store.StreamImages;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;
import java.util.Map;

/**
 * Invoices table stream (new invoices) -> {@link StripeSyncService}. Records are handled in order; the first one
 * that fails is reported with everything after it, so Lambda retries from there
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html).
 *
 * <p>Stripe: the secret key from {@code STRIPE_API_KEY} or the secret {@code STRIPE_API_KEY_SECRET_ARN}. With neither,
 * the requests are recorded instead of sent ({@link RecordingStripeGateway}), which is the local runtime's default
 * ({@code TALLY_LOCAL=true}) and elsewhere must be asked for with {@code STRIPE_SYNC_MODE=record}: a deployed function
 * without a key fails at initialisation rather than marking invoices as handled that Stripe never saw.
 */
public final class StripeSyncHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private final StripeSyncService service;

    /** Lambda's entry point: configuration from the process environment. */
    public StripeSyncHandler() {
        this(System.getenv(), Clock.systemUTC());
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of record times
     */
    public StripeSyncHandler(Map<String, String> environment, Clock clock) {
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        TallyTables tables = new TallyTables(dynamoDb, env);
        String apiKey = env.optional("STRIPE_API_KEY").orElseGet(() -> env.optional("STRIPE_API_KEY_SECRET_ARN").map(arn -> {
            try (SecretsManagerClient secrets = AwsClients.configure(SecretsManagerClient.builder(), env, "SECRETS_MANAGER").build()) {
                return secrets.getSecretValue(r -> r.secretId(arn)).secretString();
            }
        }).orElse(null));
        StripeGateway gateway;
        if (apiKey != null) {
            gateway = new StripeApiGateway(StripeApiGateway.client(apiKey));
        } else if (env.local() || env.optional("STRIPE_SYNC_MODE").filter("record"::equals).isPresent()) {
            gateway = new RecordingStripeGateway(tables, clock);
        } else {
            throw new IllegalStateException("no Stripe API key: set STRIPE_API_KEY_SECRET_ARN (or STRIPE_SYNC_MODE=record "
                    + "to record the requests instead of sending them)");
        }
        this.service = new StripeSyncService(tables, gateway, clock);
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Batches.stream(event, record -> {
            if ("INSERT".equals(record.getEventName())) {
                service.sync(InvoiceItem.SCHEMA.mapToItem(StreamImages.toSdk(record.getDynamodb().getNewImage())));
            }
        });
    }
}
