package dev.tally.entitlement;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.tally.config.Env;
import dev.tally.lambda.Primed;
import dev.tally.lambda.Invocations;
import dev.tally.logging.LogContext;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /entitlements/{account}} on the HTTP API (IAM-authorised: callers sign with SigV4 and need
 * {@code execute-api:Invoke} on the route): 200 with the account's entitlements ({@link EntitlementsJson}), 404
 * {@code {"message": "no account <id>"}} for an account Tally does not know, 400 without an account. An account known
 * but never computed (no subscription, payment or credit change yet) is derived on the fly, not written. Reads only.
 *
 * <p>SnapStart: {@link #prime()} reads an entitlements item and an account that do not exist.
 */
public final class EntitlementsApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Primed {
    private static final Map<String, String> JSON_HEADERS = Map.of("content-type", "application/json");
    private final EntitlementsWiring wiring;
    private final Clock clock;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public EntitlementsApiHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock the billing clock (the time an on-the-fly derivation is stamped with)
     */
    public EntitlementsApiHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock the billing clock (the time an on-the-fly derivation is stamped with)
     * @param metrics where the invocation's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder);
     *     reading entitlements reports none of its own
     */
    public EntitlementsApiHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.wiring = new EntitlementsWiring(Env.of(environment), metrics, false);
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Reads an account's entitlements and inputs that do not exist (no write). */
    @Override
    public void prime() {
        wiring.prime();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
        String account = request.getPathParameters() == null ? null : request.getPathParameters().get("account");
        if (account == null || account.isBlank()) {
            return reply(400, "{\"message\":\"the path is /entitlements/{account}\"}");
        }
        String requestId = request.getRequestContext() == null ? null : request.getRequestContext().getRequestId();
        try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, account, LogContext.CORRELATION_ID, requestId)) {
            return Invocations.handle(context, metrics, () -> {
                Optional<Entitlements> entitlements = wiring.service.current(account, clock.instant().getEpochSecond());
                return entitlements.map(e -> reply(200, EntitlementsJson.toJson(e)))
                        .orElseGet(() -> reply(404, EntitlementsJson.JSON.createObjectNode().put("message", "no account " + account).toString()));
            });
        }
    }

    private static APIGatewayV2HTTPResponse reply(int status, String body) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(JSON_HEADERS).withBody(body).build();
    }
}
