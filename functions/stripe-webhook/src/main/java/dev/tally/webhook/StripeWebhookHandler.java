package dev.tally.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.tally.aws.AwsClients;
import dev.tally.aws.ManagedSecret;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.logging.LogContext;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.lambda.Primed;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code POST /webhooks/stripe} (API Gateway HTTP API, payload format 2.0) -> {@link StripeWebhookService}.
 *
 * <p>Configuration: the table names, and the signing secrets ({@link SigningSecrets}: several during a rotation) from
 * the Secrets Manager secret {@code STRIPE_WEBHOOK_SECRET_ARN}, read through Powertools parameters
 * ({@link ManagedSecret}) on the first request (after a SnapStart restore, never into the snapshot) and cached for
 * {@code SECRET_CACHE_TTL_SECONDS} (300 by default); only the local runtime sets {@code STRIPE_WEBHOOK_SECRET} instead.
 *
 * <p>SnapStart: before the snapshot, {@link #prime()} verifies and parses a sample event signed with a throwaway
 * secret (Stripe's HMAC and JSON mapping, no real secret read), answers a request without a signature (a 400) and
 * reads an account that does not exist.
 */
public final class StripeWebhookHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Primed {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRIMING_BODY = "{\"id\":\"evt_priming\",\"object\":\"event\",\"type\":\"customer.created\"}";

    private final StripeWebhookService service;
    private final TallyTables tables;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public StripeWebhookHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables (the local runtime resolves them from template.yaml)
     * @param clock clock for signature tolerance and record times
     * @throws IllegalStateException if a variable or the signing secret is missing
     */
    public StripeWebhookHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock clock for signature tolerance and record times
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     * @throws IllegalStateException if a variable or the signing secret is missing
     */
    public StripeWebhookHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.service = new StripeWebhookService(tables,
                CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE)),
                signingSecrets(env), metrics, clock);
    }

    /** Signature check and event parsing with a throwaway secret, one 400 answer, one read of a missing account. */
    @Override
    public void prime() {
        try {
            String primingSecret = "whsec_priming";
            long now = Instant.now().getEpochSecond();
            String signature = Webhook.Util.computeHmacSha256(primingSecret, now + "." + PRIMING_BODY);
            Webhook.constructEvent(PRIMING_BODY, "t=" + now + ",v1=" + signature, primingSecret);
        } catch (GeneralSecurityException | SignatureVerificationException e) {
            throw new IllegalStateException("priming signature did not verify", e);
        }
        handleRequest(APIGatewayV2HTTPEvent.builder().withBody(PRIMING_BODY).withIsBase64Encoded(false)
                .withHeaders(Map.of()).build(), null);
        Primed.readNothing(tables.accounts);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
        String requestId = request.getRequestContext() == null ? null : request.getRequestContext().getRequestId();
        try (LogContext.Scope ignored = LogContext.with(LogContext.CORRELATION_ID, requestId)) {
            return Invocations.handle(context, metrics, () -> respond(request));
        }
    }

    private APIGatewayV2HTTPResponse respond(APIGatewayV2HTTPEvent request) {
        String body = request.getBody();
        if (body != null && request.getIsBase64Encoded()) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        WebhookResponse response = service.handle(body, header(request, "stripe-signature"));
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(Map.of("content-type", "application/json"))
                .withBody(JSON.createObjectNode().put("outcome", response.outcome()).put("message", response.message()).toString())
                .build();
    }

    private static String header(APIGatewayV2HTTPEvent request, String name) {
        if (request.getHeaders() == null) {
            return null;
        }
        return request.getHeaders().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static Supplier<List<String>> signingSecrets(Env env) {
        Supplier<String> value = env.optional("STRIPE_WEBHOOK_SECRET").<Supplier<String>>map(secret -> () -> secret)
                .orElseGet(() -> ManagedSecret.fromSecretsManager(env, env.require("STRIPE_WEBHOOK_SECRET_ARN")));
        return () -> SigningSecrets.parse(value.get());
    }
}
