package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/**
 * Talks to a running {@code tally serve} over its HTTP API: the admin API under {@code /_tally/} (clock, schedules,
 * requests received; see the local runtime's {@code AdminApi}) and its routes (a signed webhook). Every failure is
 * a {@link Failure} that says what to do: the runtime unreachable, the endpoint not a local runtime, the runtime
 * refusing the request (its message).
 */
final class RuntimeClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest wait for an admin answer: advancing the clock waits until the system is idle (at most 5 minutes). */
    private static final Duration ADMIN_TIMEOUT = Duration.ofMinutes(6);

    /** A route's answer. */
    record Answer(int status, String body) {
        /** @return the body as JSON, or an empty object when it is not JSON */
        JsonNode json() {
            try {
                return body == null || body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                return JSON.createObjectNode();
            }
        }
    }

    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param endpoint the runtime's HTTP API, e.g. {@code http://localhost:3000}
     */
    RuntimeClient(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** @return the runtime's HTTP API base URL */
    URI endpoint() {
        return endpoint;
    }

    /**
     * {@code GET /_tally/runtime}: clock (seconds since the epoch), ticking, endpoints, routes, functions' environment.
     *
     * @return the description
     * @throws Failure when the runtime cannot be reached or is not a local runtime
     */
    JsonNode runtime() {
        return admin("GET", "runtime", null);
    }

    /**
     * {@code POST /_tally/clock/advance}: moves the clock forward, waits until what that triggered is done.
     *
     * @param body {@code {"seconds": N}} or {@code {"to": T}}
     * @return {@code previous} and {@code clock}, seconds since the epoch
     * @throws Failure when the runtime refuses (e.g. a time in the clock's past) or cannot be reached
     */
    JsonNode advanceClock(ObjectNode body) {
        return admin("POST", "clock/advance", body.toString());
    }

    /**
     * {@code POST /_tally/schedules/<function>/run}: fires a function's schedule now and waits until idle.
     *
     * @param function logical id, e.g. {@code BillingRunFunction}
     * @return {@code function}, {@code clock} and the handler's {@code result}
     */
    JsonNode runSchedule(String function) {
        return admin("POST", "schedules/" + function + "/run", "");
    }

    /**
     * {@code GET /_tally/requests}: requests the HTTP API answered after sequence {@code after}.
     *
     * @param after last sequence number seen (0: from the oldest kept)
     * @param waitSeconds how long the runtime waits for one when there is none (it caps this at 20)
     * @return {@code requests} (sequence, receivedAt, method, path, routeKey, function, status, requestBody,
     *     responseBody) and {@code last}
     */
    JsonNode requests(long after, int waitSeconds) {
        return admin("GET", "requests?after=" + after + "&wait=" + waitSeconds, null);
    }

    /**
     * {@code POST /_tally/actions/invoice-resync}: syncs one invoice to Stripe now (the stripe-sync function's resync).
     *
     * @param invoiceId Tally invoice id
     * @return the sync state: {@code invoiceId}, {@code status} ({@code synced}, {@code recorded}, {@code skipped},
     *     {@code sync_failed}), {@code stripeInvoiceId}, {@code attempts}, {@code lastError}, ... (times in seconds
     *     since the epoch)
     * @throws Failure when the runtime refuses (no such invoice, another sync of it running) or cannot be reached
     */
    JsonNode resyncInvoice(String invoiceId) {
        return admin("POST", "actions/" + RuntimeFactory.INVOICE_RESYNC,
                JSON.createObjectNode().put("invoiceId", invoiceId).toString());
    }

    /**
     * POSTs a body to a route of the HTTP API.
     *
     * @param path e.g. {@code /webhooks/stripe}
     * @param body the exact body
     * @param headers request headers
     * @return the status and body answered
     * @throws Failure when the runtime cannot be reached
     */
    Answer post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofMinutes(1))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        HttpResponse<String> response = send(request.build());
        return new Answer(response.statusCode(), response.body());
    }

    private JsonNode admin(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/_tally/" + path)).timeout(ADMIN_TIMEOUT)
                .header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = send(request);
        JsonNode json = new Answer(response.statusCode(), response.body()).json();
        if (response.statusCode() == 200) {
            return json;
        }
        if (response.statusCode() == 404 && path.equals("runtime") || !json.has("message")) {
            throw new Failure(endpoint + " answers, but is not a local Tally runtime (no admin API under /_tally/, HTTP "
                    + response.statusCode() + "); these commands drive `tally serve` only: pass its --http-endpoint");
        }
        throw new Failure("the local runtime refused: " + json.get("message").asText());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new Failure("cannot reach the local runtime at " + endpoint + " (" + reason(e) + "). Is `tally serve` "
                    + "running? Otherwise pass --http-endpoint with its HTTP API.", e);
        } catch (HttpTimeoutException e) {
            throw new Failure("the local runtime at " + endpoint + " did not answer within " + ADMIN_TIMEOUT.toMinutes()
                    + " minutes; its log says what it is busy with", e);
        } catch (IOException e) {
            throw new Failure("talking to the local runtime at " + endpoint + " failed: " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted", e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof ConnectException && e.getMessage() == null) {
            return "connection refused";
        }
        return e.getMessage() != null ? e.getMessage() : e.getCause() != null && e.getCause().getMessage() != null
                ? e.getCause().getMessage() : e.getClass().getSimpleName();
    }
}
