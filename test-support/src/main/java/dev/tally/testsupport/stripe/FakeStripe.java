package dev.tally.testsupport.stripe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTP fake of the Stripe API endpoints Tally's invoice sync uses, for stripe-java to talk to (point its
 * client's API base at {@link #apiBase()}). Form-encoded parameters in, Stripe-shaped JSON out (objects, lists,
 * search results, errors as {@code {"error": {"type", "code", "message", "param"}}}), on the JDK's HTTP server.
 *
 * <p>Endpoints ({@link Endpoint}): create, retrieve, list ({@code customer}, {@code status}, {@code created[gte]},
 * {@code limit}, {@code starting_after}, newest first) and search ({@code metadata['key']:'value'} only) invoices;
 * finalize an invoice ({@code draft} becomes {@code open}, or {@code paid} when its total is 0; any other status is
 * 400 {@code invoice_unexpected_state}); create and list ({@code invoice=}) invoice items (only on a draft of the same
 * customer). An invoice's {@code total} is the sum of its items. Customers must be added ({@link #addCustomer}); a
 * request for an unknown one is 400 {@code resource_missing}, as Stripe answers.
 *
 * <p>Idempotency as Stripe documents it (https://docs.stripe.com/api/idempotent_requests,
 * https://docs.stripe.com/error-low-level): the status and body of the first POST under an {@code Idempotency-Key}
 * are saved once the endpoint started executing, errors and 500s included, and replayed (header
 * {@code Idempotent-Replayed: true}) to every request with that key for 24 hours of the fake's clock; a request with
 * the key and other parameters (or another path) is 400 {@code idempotency_error}, not saved; a request while the
 * first is still executing is 409, not saved; parameter validation failures (a missing required parameter) and 429s
 * (the rate limiter runs first) are not saved. After 24 hours the key is forgotten and a request under it executes
 * anew. Search sees an invoice only {@link #SEARCH_DELAY} after it was created (https://docs.stripe.com/search#data-freshness);
 * lists see everything at once.
 *
 * <p>Faults ({@link #failNth}): the Nth call of an endpoint from now on answers a {@link Fault}. Thread-safe;
 * close it after the test.
 */
public final class FakeStripe implements AutoCloseable {
    /** How long an idempotency key's saved answer is replayed. */
    public static final Duration KEY_RETENTION = Duration.ofHours(24);
    /** How long after its creation an invoice becomes visible to search. */
    public static final Duration SEARCH_DELAY = Duration.ofMinutes(1);

    /** The endpoints served. */
    public enum Endpoint {
        /** {@code POST /v1/invoices} */ CREATE_INVOICE,
        /** {@code GET /v1/invoices/{id}} */ RETRIEVE_INVOICE,
        /** {@code GET /v1/invoices} */ LIST_INVOICES,
        /** {@code GET /v1/invoices/search} */ SEARCH_INVOICES,
        /** {@code POST /v1/invoices/{id}/finalize} */ FINALIZE_INVOICE,
        /** {@code POST /v1/invoiceitems} */ CREATE_ITEM,
        /** {@code GET /v1/invoiceitems} */ LIST_ITEMS
    }

    /** What a faulty call answers. */
    public enum Fault {
        /** 429 {@code rate_limit}, before the idempotency layer: nothing executed, nothing saved. */
        RATE_LIMITED,
        /** 500 {@code api_error} once the endpoint started: nothing done, the 500 saved under the key. */
        SERVER_ERROR,
        /** 500 {@code api_error} after the effect was committed (the object exists): the 500 saved under the key. */
        SERVER_ERROR_AFTER_EFFECT,
        /** The effect is committed, the answer saved only after {@link #timeoutDelay}: the client times out first. */
        TIMEOUT,
        /** The effect is committed and its answer saved, but the connection breaks mid-answer: the answer is lost. */
        DROP
    }

    /** One request as the fake received it. */
    public record Request(Endpoint endpoint, String method, String path, String idempotencyKey, int status,
                          boolean replayed, boolean executed, Fault fault) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INVOICE_PATH = Pattern.compile("/v1/invoices/([^/]+)");
    private static final Pattern FINALIZE_PATH = Pattern.compile("/v1/invoices/([^/]+)/finalize");
    private static final Pattern METADATA_QUERY = Pattern.compile("metadata\\[['\"]([^'\"]+)['\"]]:['\"]([^'\"]*)['\"]");

    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-stripe");
        t.setDaemon(true);
        return t;
    });

    private final Object lock = new Object();
    private final Set<String> customers = new HashSet<>();
    private final Map<String, ObjectNode> invoices = new LinkedHashMap<>();
    private final Map<String, ObjectNode> items = new LinkedHashMap<>();
    private final Map<String, Long> sequence = new HashMap<>();
    private final Map<String, Saved> saved = new HashMap<>();
    private final Set<String> executing = new HashSet<>();
    private final Map<Endpoint, Integer> calls = new EnumMap<>(Endpoint.class);
    private final Map<Endpoint, Integer> executions = new EnumMap<>(Endpoint.class);
    private final Map<Endpoint, Map<Integer, Fault>> faults = new EnumMap<>(Endpoint.class);
    private final List<Request> requests = new ArrayList<>();
    private long nextId = 1;
    private volatile Duration timeoutDelay = Duration.ofMillis(1500);

    private record Saved(String method, String path, Map<String, String> params, int status, String body, long savedAt) {
    }

    private record Answer(int status, ObjectNode body) {
    }

    private FakeStripe(Clock clock) throws IOException {
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @param clock the fake's time: object creation times, the 24-hour key retention, search freshness
     * @return a started fake on a free loopback port
     */
    public static FakeStripe start(Clock clock) {
        try {
            return new FakeStripe(clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake Stripe", e);
        }
    }

    /** @return the API base URL for stripe-java, {@code http://127.0.0.1:<port>} */
    public String apiBase() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /** @param customerId a customer the fake then knows, {@code cus_...} */
    public void addCustomer(String customerId) {
        synchronized (lock) {
            customers.add(customerId);
        }
    }

    /**
     * Makes the {@code nth} call of an endpoint from now on (1: the next one) answer a fault.
     *
     * @param endpoint the endpoint
     * @param nth 1 or more
     * @param fault what it answers
     */
    public void failNth(Endpoint endpoint, int nth, Fault fault) {
        synchronized (lock) {
            faults.computeIfAbsent(endpoint, e -> new HashMap<>()).put(calls.getOrDefault(endpoint, 0) + nth, fault);
        }
    }

    /** @param delay how long a {@link Fault#TIMEOUT} call holds its answer (default 1.5 s) */
    public void timeoutDelay(Duration delay) {
        this.timeoutDelay = delay;
    }

    /** @return calls of an endpoint received so far */
    public int calls(Endpoint endpoint) {
        synchronized (lock) {
            return calls.getOrDefault(endpoint, 0);
        }
    }

    /** @return calls of an endpoint that executed (not replayed from a key, not refused before executing) */
    public int executions(Endpoint endpoint) {
        synchronized (lock) {
            return executions.getOrDefault(endpoint, 0);
        }
    }

    /** @return every request received, in order */
    public List<Request> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /**
     * @param key metadata key
     * @param value metadata value
     * @return copies of the invoices (not deleted) whose metadata has that value, oldest first
     */
    public List<ObjectNode> invoicesWithMetadata(String key, String value) {
        synchronized (lock) {
            return invoices.values().stream().filter(i -> value.equals(i.path("metadata").path(key).asText(null)))
                    .map(i -> withTotals(i).deepCopy()).toList();
        }
    }

    /**
     * @param invoiceId {@code in_...}
     * @return copies of the invoice's items, oldest first
     */
    public List<ObjectNode> itemsOf(String invoiceId) {
        synchronized (lock) {
            return items.values().stream().filter(i -> invoiceId.equals(i.path("invoice").asText()))
                    .map(ObjectNode::deepCopy).toList();
        }
    }

    /**
     * Adds an item to an invoice as someone in the Dashboard would (no API call, no key).
     *
     * @param invoiceId a draft
     * @param amountMinor amount, minor units
     * @param metadata its metadata
     * @return the item's id
     */
    public String addItemDirectly(String invoiceId, long amountMinor, Map<String, String> metadata) {
        synchronized (lock) {
            ObjectNode invoice = invoices.get(invoiceId);
            Map<String, String> params = new TreeMap<>();
            params.put("customer", invoice.get("customer").asText());
            params.put("invoice", invoiceId);
            params.put("amount", Long.toString(amountMinor));
            params.put("currency", invoice.get("currency").asText());
            metadata.forEach((k, v) -> params.put("metadata[" + k + "]", v));
            return createItem(params).body().get("id").asText();
        }
    }

    /**
     * Changes an item's amount, whatever its invoice's status: a change Tally did not make (a bug, a person with
     * database access), for reconciliation tests; Stripe itself never lets a finalized invoice change.
     *
     * @param itemId {@code ii_...}
     * @param amountMinor the new amount, minor units
     */
    public void changeItemAmount(String itemId, long amountMinor) {
        synchronized (lock) {
            items.get(itemId).put("amount", amountMinor);
        }
    }

    /** Voids an open invoice, as in the Dashboard. */
    public void voidInvoice(String invoiceId) {
        synchronized (lock) {
            invoices.get(invoiceId).put("status", "void");
        }
    }

    /** Deletes a draft invoice and its items, as in the Dashboard. */
    public void deleteDraft(String invoiceId) {
        synchronized (lock) {
            invoices.remove(invoiceId);
            items.values().removeIf(i -> invoiceId.equals(i.path("invoice").asText()));
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            handleExchange(exchange);
        } catch (RuntimeException | Error e) {
            System.err.println("fake Stripe failed on " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
            e.printStackTrace();
            throw e;
        }
    }

    private void handleExchange(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        Map<String, String> params = new TreeMap<>(form(exchange.getRequestURI().getRawQuery()));
        try (InputStream in = exchange.getRequestBody()) {
            params.putAll(form(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        Endpoint endpoint = route(method, path);
        if (endpoint == null) {
            send(exchange, error("invalid_request_error", null, "Unrecognized request URL (" + method + ": " + path
                    + ")", null).toString(), 404, false, key);
            return;
        }
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer sk_")) {
            send(exchange, error("invalid_request_error", null, "Invalid API Key provided", null).toString(), 401, false, key);
            return;
        }
        serve(exchange, endpoint, method, path, params, "POST".equals(method) ? key : null);
    }

    private void serve(HttpExchange exchange, Endpoint endpoint, String method, String path, Map<String, String> params,
                       String key) throws IOException {
        Fault fault;
        Answer answer;
        Saved replay = null;
        boolean hold = false;
        boolean executed = false;
        synchronized (lock) {
            int call = calls.merge(endpoint, 1, Integer::sum);
            fault = faults.containsKey(endpoint) ? faults.get(endpoint).remove(call) : null;
            Saved previous = key == null ? null : unexpired(key);
            if (fault == Fault.RATE_LIMITED) {
                answer = new Answer(429, error("invalid_request_error", "rate_limit",
                        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.", null));
            } else if (previous != null && previous.method().equals(method) && previous.path().equals(path)
                    && previous.params().equals(params)) {
                replay = previous;
                answer = null;
            } else if (previous != null) {
                answer = new Answer(400, error("idempotency_error", null, "Keys for idempotent requests can only be used "
                        + "with the same parameters they were first used with. Try using a key other than '" + key
                        + "' if you meant to execute a different request.", null));
            } else if (key != null && executing.contains(key)) {
                answer = new Answer(409, error("idempotency_error", null, "There is currently another in-progress "
                        + "request using this idempotency key. Please try again later.", null));
            } else if (validate(endpoint, params) != null) {
                String missing = validate(endpoint, params);
                answer = new Answer(400, error("invalid_request_error", "parameter_missing", "Missing required param: "
                        + missing + ".", missing));
            } else {
                executions.merge(endpoint, 1, Integer::sum);
                executed = true;
                if (fault == Fault.SERVER_ERROR) {
                    answer = serverError();
                } else {
                    answer = execute(endpoint, path, params);
                    if (fault == Fault.SERVER_ERROR_AFTER_EFFECT) {
                        answer = serverError();
                    }
                }
                if (key != null && fault == Fault.TIMEOUT) {
                    executing.add(key);
                    hold = true;
                } else if (key != null) {
                    save(key, method, path, params, answer);
                }
            }
            requests.add(new Request(endpoint, method, path, key, replay != null ? replay.status() : answer.status(),
                    replay != null, executed, fault));
        }
        if (replay != null) {
            send(exchange, replay.body(), replay.status(), true, key);
            return;
        }
        if (fault == Fault.TIMEOUT) {
            sleep(timeoutDelay);
            if (hold) {
                synchronized (lock) {
                    executing.remove(key);
                    save(key, method, path, params, answer);
                }
            }
        }
        if (fault == Fault.DROP) {
            // Status, headers and half the body, then the connection breaks: closing the exchange with bytes still
            // owed makes the JDK server close the connection, and the client reads a premature end of stream.
            byte[] body = answer.body().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            return;
        }
        send(exchange, answer.body().toString(), answer.status(), false, key);
    }

    /** The answer saved under a key within the last 24 hours, or null (none, or forgotten). */
    private Saved unexpired(String key) {
        Saved s = saved.get(key);
        if (s != null && now() - s.savedAt() >= KEY_RETENTION.toSeconds()) {
            saved.remove(key);
            return null;
        }
        return s;
    }

    private void save(String key, String method, String path, Map<String, String> params, Answer answer) {
        saved.put(key, new Saved(method, path, Map.copyOf(params), answer.status(), answer.body().toString(), now()));
    }

    private static Answer serverError() {
        return new Answer(500, error("api_error", null, "An unknown error occurred", null));
    }

    private void send(HttpExchange exchange, String body, int status, boolean replayed, String key) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("Request-Id", "req_fake_" + System.nanoTime());
        if (key != null) {
            exchange.getResponseHeaders().add("Idempotency-Key", key);
        }
        if (replayed) {
            exchange.getResponseHeaders().add("Idempotent-Replayed", "true");
        }
        try {
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // the client went away (it timed out): as with Stripe, the request stands
        }
    }

    private static Endpoint route(String method, String path) {
        if (path.equals("/v1/invoices")) {
            return method.equals("POST") ? Endpoint.CREATE_INVOICE : Endpoint.LIST_INVOICES;
        }
        if (path.equals("/v1/invoices/search") && method.equals("GET")) {
            return Endpoint.SEARCH_INVOICES;
        }
        if (FINALIZE_PATH.matcher(path).matches() && method.equals("POST")) {
            return Endpoint.FINALIZE_INVOICE;
        }
        if (INVOICE_PATH.matcher(path).matches() && method.equals("GET")) {
            return Endpoint.RETRIEVE_INVOICE;
        }
        if (path.equals("/v1/invoiceitems")) {
            return method.equals("POST") ? Endpoint.CREATE_ITEM : Endpoint.LIST_ITEMS;
        }
        return null;
    }

    /** The first missing required parameter, or null. */
    private static String validate(Endpoint endpoint, Map<String, String> params) {
        List<String> required = switch (endpoint) {
            case CREATE_INVOICE -> List.of("customer");
            case CREATE_ITEM -> List.of("customer", "currency", "amount");
            case SEARCH_INVOICES -> List.of("query");
            default -> List.of();
        };
        return required.stream().filter(p -> !params.containsKey(p)).findFirst().orElse(null);
    }

    // ------------------------------------------------------------------ endpoints (called holding the lock)

    private Answer execute(Endpoint endpoint, String path, Map<String, String> params) {
        return switch (endpoint) {
            case CREATE_INVOICE -> createInvoice(params);
            case RETRIEVE_INVOICE -> retrieve(match(INVOICE_PATH, path));
            case LIST_INVOICES -> listInvoices(params);
            case SEARCH_INVOICES -> search(params);
            case FINALIZE_INVOICE -> finalizeInvoice(match(FINALIZE_PATH, path), params);
            case CREATE_ITEM -> createItem(params);
            case LIST_ITEMS -> listItems(params);
        };
    }

    private Answer createInvoice(Map<String, String> p) {
        if (!customers.contains(p.get("customer"))) {
            return noSuch("customer", p.get("customer"));
        }
        String id = "in_fake" + String.format("%06d", nextId++);
        ObjectNode invoice = JSON.createObjectNode().put("id", id).put("object", "invoice")
                .put("customer", p.get("customer")).put("currency", p.getOrDefault("currency", "usd"))
                .put("status", "draft").put("description", p.get("description"))
                .put("collection_method", p.getOrDefault("collection_method", "charge_automatically"))
                .put("auto_advance", Boolean.parseBoolean(p.getOrDefault("auto_advance", "true")))
                .put("created", now()).put("livemode", false);
        invoice.set("metadata", metadata(p));
        sequence.put(id, nextId);
        invoices.put(id, invoice);
        return new Answer(200, withTotals(invoice).deepCopy());
    }

    private Answer retrieve(String id) {
        ObjectNode invoice = invoices.get(id);
        return invoice == null ? noSuch("invoice", id) : new Answer(200, withTotals(invoice).deepCopy());
    }

    private Answer listInvoices(Map<String, String> p) {
        List<ObjectNode> matching = invoices.values().stream()
                .filter(i -> !p.containsKey("customer") || p.get("customer").equals(i.get("customer").asText()))
                .filter(i -> !p.containsKey("status") || p.get("status").equals(i.get("status").asText()))
                .filter(i -> !p.containsKey("created[gte]") || i.get("created").asLong() >= Long.parseLong(p.get("created[gte]")))
                .sorted(newestFirst()).toList();
        return page("/v1/invoices", matching, p);
    }

    private Answer search(Map<String, String> p) {
        Matcher m = METADATA_QUERY.matcher(p.get("query").trim());
        if (!m.matches()) {
            return new Answer(400, error("invalid_request_error", null, "The fake Stripe searches metadata['key']:'value' "
                    + "only, not " + p.get("query"), "query"));
        }
        long visibleBefore = now() - SEARCH_DELAY.toSeconds();
        List<ObjectNode> matching = invoices.values().stream()
                .filter(i -> m.group(2).equals(i.path("metadata").path(m.group(1)).asText(null)))
                .filter(i -> i.get("created").asLong() <= visibleBefore)
                .sorted(newestFirst()).toList();
        int limit = Integer.parseInt(p.getOrDefault("limit", "10"));
        int from = Integer.parseInt(p.getOrDefault("page", "0"));
        List<ObjectNode> slice = matching.subList(Math.min(from, matching.size()), Math.min(from + limit, matching.size()));
        ObjectNode body = JSON.createObjectNode().put("object", "search_result").put("url", "/v1/invoices/search");
        boolean more = from + limit < matching.size();
        body.put("has_more", more);
        if (more) {
            body.put("next_page", Integer.toString(from + limit));
        } else {
            body.putNull("next_page");
        }
        ArrayNode data = body.putArray("data");
        slice.forEach(i -> data.add(withTotals(i).deepCopy()));
        return new Answer(200, body);
    }

    private Answer finalizeInvoice(String id, Map<String, String> p) {
        ObjectNode invoice = invoices.get(id);
        if (invoice == null) {
            return noSuch("invoice", id);
        }
        if (!"draft".equals(invoice.get("status").asText())) {
            return new Answer(400, error("invalid_request_error", "invoice_unexpected_state", "This invoice is already "
                    + "finalized, you can't re-finalize a non-draft invoice.", null));
        }
        long total = withTotals(invoice).get("total").asLong();
        invoice.put("status", total == 0 ? "paid" : "open");
        invoice.put("auto_advance", Boolean.parseBoolean(p.getOrDefault("auto_advance", "true")));
        invoice.putObject("status_transitions").put("finalized_at", now());
        return new Answer(200, withTotals(invoice).deepCopy());
    }

    private Answer createItem(Map<String, String> p) {
        if (!customers.contains(p.get("customer"))) {
            return noSuch("customer", p.get("customer"));
        }
        String invoiceId = p.get("invoice");
        if (invoiceId != null) {
            ObjectNode invoice = invoices.get(invoiceId);
            if (invoice == null) {
                return noSuch("invoice", invoiceId);
            }
            if (!"draft".equals(invoice.get("status").asText())) {
                return new Answer(400, error("invalid_request_error", "invoice_not_editable", "You can only pass in a "
                        + "draft invoice. Invoice " + invoiceId + " is " + invoice.get("status").asText() + ".", "invoice"));
            }
            if (!invoice.get("customer").asText().equals(p.get("customer"))) {
                return new Answer(400, error("invalid_request_error", null, "The invoice " + invoiceId + " does not "
                        + "belong to customer " + p.get("customer") + ".", "invoice"));
            }
        }
        String id = "ii_fake" + String.format("%06d", nextId++);
        ObjectNode item = JSON.createObjectNode().put("id", id).put("object", "invoiceitem")
                .put("customer", p.get("customer")).put("invoice", invoiceId).put("amount", Long.parseLong(p.get("amount")))
                .put("currency", p.get("currency")).put("description", p.get("description")).put("date", now())
                .put("livemode", false);
        item.set("metadata", metadata(p));
        sequence.put(id, nextId);
        items.put(id, item);
        return new Answer(200, item.deepCopy());
    }

    private Answer listItems(Map<String, String> p) {
        List<ObjectNode> matching = items.values().stream()
                .filter(i -> !p.containsKey("invoice") || p.get("invoice").equals(i.path("invoice").asText()))
                .sorted(newestFirst()).toList();
        return page("/v1/invoiceitems", matching, p);
    }

    // ------------------------------------------------------------------ helpers

    private Answer page(String url, List<ObjectNode> newestFirst, Map<String, String> p) {
        int limit = Integer.parseInt(p.getOrDefault("limit", "10"));
        int from = 0;
        if (p.containsKey("starting_after")) {
            String after = p.get("starting_after");
            for (int i = 0; i < newestFirst.size(); i++) {
                if (newestFirst.get(i).get("id").asText().equals(after)) {
                    from = i + 1;
                }
            }
        }
        List<ObjectNode> slice = newestFirst.subList(Math.min(from, newestFirst.size()), Math.min(from + limit, newestFirst.size()));
        ObjectNode body = JSON.createObjectNode().put("object", "list").put("url", url)
                .put("has_more", from + limit < newestFirst.size());
        ArrayNode data = body.putArray("data");
        slice.forEach(o -> data.add("invoice".equals(o.get("object").asText()) ? withTotals(o).deepCopy() : o.deepCopy()));
        return new Answer(200, body);
    }

    private Comparator<ObjectNode> newestFirst() {
        return Comparator.<ObjectNode>comparingLong(o -> sequence.getOrDefault(o.get("id").asText(), 0L)).reversed();
    }

    /** The invoice with {@code subtotal}, {@code total}, {@code amount_due} and {@code amount_remaining} as its items sum. */
    private ObjectNode withTotals(ObjectNode invoice) {
        String id = invoice.get("id").asText();
        long sum = items.values().stream().filter(i -> id.equals(i.path("invoice").asText())).mapToLong(i -> i.get("amount").asLong()).sum();
        boolean paid = "paid".equals(invoice.get("status").asText());
        invoice.put("subtotal", sum).put("total", sum).put("amount_due", Math.max(sum, 0))
                .put("amount_remaining", paid ? 0 : Math.max(sum, 0));
        return invoice;
    }

    private static ObjectNode metadata(Map<String, String> p) {
        ObjectNode m = JSON.createObjectNode();
        p.forEach((k, v) -> {
            if (k.startsWith("metadata[") && k.endsWith("]")) {
                m.put(k.substring("metadata[".length(), k.length() - 1), v);
            }
        });
        return m;
    }

    private static Answer noSuch(String what, String id) {
        return new Answer(what.equals("customer") ? 400 : 404, error("invalid_request_error", "resource_missing",
                "No such " + what + ": '" + id + "'", what.equals("customer") ? "customer" : "id"));
    }

    private static ObjectNode error(String type, String code, String message, String param) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("type", type).put("message", message);
        if (code != null) {
            error.put("code", code);
        }
        if (param != null) {
            error.put("param", param);
        }
        return body;
    }

    private static String match(Pattern pattern, String path) {
        Matcher m = pattern.matcher(path);
        if (!m.matches()) {
            throw new IllegalStateException(path);
        }
        return m.group(1);
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
