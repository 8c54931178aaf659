package dev.tally.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

/**
 * {@code POST /webhooks/stripe} (API Gateway HTTP API, payload format 2.0) -> {@link StripeWebhookService}.
 *
 * <p>Configuration: the table names, and the signing secret from {@code STRIPE_WEBHOOK_SECRET} (local) or the
 * Secrets Manager secret {@code STRIPE_WEBHOOK_SECRET_ARN} (read once at initialisation).
 */
public final class StripeWebhookHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StripeWebhookService service;

    /** Lambda's entry point: configuration from the process environment. */
    public StripeWebhookHandler() {
        this(System.getenv(), Clock.systemUTC());
    }

    /**
     * @param environment the function's environment variables (the local runtime resolves them from template.yaml)
     * @param clock clock for signature tolerance and record times
     * @throws IllegalStateException if a variable or the signing secret is missing
     */
    public StripeWebhookHandler(Map<String, String> environment, Clock clock) {
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.service = new StripeWebhookService(new TallyTables(dynamoDb, env),
                CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE)),
                signingSecret(env), clock);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
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

    private static String signingSecret(Env env) {
        return env.optional("STRIPE_WEBHOOK_SECRET").orElseGet(() -> {
            String arn = env.require("STRIPE_WEBHOOK_SECRET_ARN");
            try (SecretsManagerClient secrets = AwsClients.configure(SecretsManagerClient.builder(), env, "SECRETS_MANAGER").build()) {
                return secrets.getSecretValue(r -> r.secretId(arn)).secretString();
            }
        });
    }
}
