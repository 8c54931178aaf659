package dev.tally.testsupport.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.stripe.FakeStripe.Endpoint;
import dev.tally.testsupport.stripe.FakeStripe.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FakeStripe} keeps Stripe's documented behaviour, checked over raw HTTP (no stripe-java, no Tally code):
 * idempotent replays for 24 hours, errors saved once the endpoint executed, 429s and validation errors not saved, a
 * key reused with other parameters refused, keys forgotten after 24 hours, search behind lists, faults on the Nth call.
 */
class FakeStripeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T00:00:00Z"));
    private final FakeStripe stripe = FakeStripe.start(clock);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        stripe.close();
    }

    @Test
    void aKeyReplaysItsFirstAnswerFor24HoursThenIsForgotten() throws Exception {
        stripe.addCustomer("cus_a");
        HttpResponse<String> first = post("/v1/invoices", "customer=cus_a&currency=usd&metadata[tally_invoice_id]=tin_1", "k1");
        HttpResponse<String> again = post("/v1/invoices", "customer=cus_a&currency=usd&metadata[tally_invoice_id]=tin_1", "k1");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(json(first).get("status").asText()).isEqualTo("draft");
        assertThat(json(first).path("metadata").get("tally_invoice_id").asText()).isEqualTo("tin_1");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(stripe.executions(Endpoint.CREATE_INVOICE)).isEqualTo(1);

        clock.advance(Duration.ofHours(23).plusMinutes(59));
        assertThat(post("/v1/invoices", "customer=cus_a&currency=usd&metadata[tally_invoice_id]=tin_1", "k1").body())
                .isEqualTo(first.body());
        clock.advance(Duration.ofMinutes(1));
        HttpResponse<String> forgotten = post("/v1/invoices", "customer=cus_a&currency=usd&metadata[tally_invoice_id]=tin_1", "k1");

        assertThat(json(forgotten).get("id").asText()).isNotEqualTo(json(first).get("id").asText());
        assertThat(stripe.executions(Endpoint.CREATE_INVOICE)).isEqualTo(2);
        assertThat(stripe.invoicesWithMetadata("tally_invoice_id", "tin_1")).hasSize(2);
    }

    @Test
    void aKeyReusedWithOtherParametersIsRefusedAndNotSaved() throws Exception {
        stripe.addCustomer("cus_a");
        post("/v1/invoices", "customer=cus_a&currency=usd", "k1");

        HttpResponse<String> other = post("/v1/invoices", "customer=cus_a&currency=eur", "k1");

        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(json(other).path("error").get("type").asText()).isEqualTo("idempotency_error");
        assertThat(stripe.executions(Endpoint.CREATE_INVOICE)).isEqualTo(1);
    }

    @Test
    void errorsOfAnExecutingEndpointAreSavedValidationErrorsAnd429sAreNot() throws Exception {
        HttpResponse<String> missingCustomer = post("/v1/invoices", "customer=cus_nobody&currency=usd", "k1");
        stripe.addCustomer("cus_nobody");
        HttpResponse<String> replayed = post("/v1/invoices", "customer=cus_nobody&currency=usd", "k1");

        assertThat(missingCustomer.statusCode()).isEqualTo(400);
        assertThat(json(missingCustomer).path("error").get("code").asText()).isEqualTo("resource_missing");
        assertThat(replayed.statusCode()).as("the 400 is replayed even though the customer exists now").isEqualTo(400);
        assertThat(replayed.headers().firstValue("Idempotent-Replayed")).hasValue("true");

        HttpResponse<String> invalid = post("/v1/invoices", "currency=usd", "k2");
        HttpResponse<String> valid = post("/v1/invoices", "customer=cus_nobody&currency=usd", "k2");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(json(invalid).path("error").get("code").asText()).isEqualTo("parameter_missing");
        assertThat(valid.statusCode()).as("a validation failure saves nothing").isEqualTo(200);

        stripe.failNth(Endpoint.CREATE_INVOICE, 1, Fault.RATE_LIMITED);
        HttpResponse<String> limited = post("/v1/invoices", "customer=cus_nobody&currency=usd", "k3");
        HttpResponse<String> after = post("/v1/invoices", "customer=cus_nobody&currency=usd", "k3");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(after.statusCode()).as("a 429 saves nothing").isEqualTo(200);
        assertThat(after.headers().firstValue("Idempotent-Replayed")).isEmpty();
    }

    @Test
    void a500IsReplayedUnderItsKeyAndOnlyTheEffectFaultLeavesTheObject() throws Exception {
        stripe.addCustomer("cus_a");
        stripe.failNth(Endpoint.CREATE_INVOICE, 1, Fault.SERVER_ERROR);
        stripe.failNth(Endpoint.CREATE_INVOICE, 3, Fault.SERVER_ERROR_AFTER_EFFECT);

        assertThat(post("/v1/invoices", "customer=cus_a&metadata[n]=1", "k1").statusCode()).isEqualTo(500);
        assertThat(post("/v1/invoices", "customer=cus_a&metadata[n]=1", "k1").statusCode()).as("replayed").isEqualTo(500);
        assertThat(post("/v1/invoices", "customer=cus_a&metadata[n]=2", "k2").statusCode()).isEqualTo(500);

        assertThat(stripe.invoicesWithMetadata("n", "1")).isEmpty();
        assertThat(stripe.invoicesWithMetadata("n", "2")).hasSize(1);
    }

    @Test
    void aDroppedAnswerLeavesTheEffectAndItsKey() throws Exception {
        stripe.addCustomer("cus_a");
        stripe.failNth(Endpoint.CREATE_INVOICE, 1, Fault.DROP);

        assertThatThrownBy(() -> post("/v1/invoices", "customer=cus_a&metadata[n]=1", "k1")).isInstanceOf(IOException.class);
        HttpResponse<String> retried = post("/v1/invoices", "customer=cus_a&metadata[n]=1", "k1");

        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(stripe.invoicesWithMetadata("n", "1")).hasSize(1);
    }

    @Test
    void itemsTotalsFinalizeListAndSearch() throws Exception {
        stripe.addCustomer("cus_a");
        String invoice = json(post("/v1/invoices", "customer=cus_a&currency=usd&metadata[tally_invoice_id]=tin_9", "k1"))
                .get("id").asText();
        post("/v1/invoiceitems", "customer=cus_a&invoice=" + invoice + "&amount=1500&currency=usd&metadata[tally_line_id]=a", "k2");
        post("/v1/invoiceitems", "customer=cus_a&invoice=" + invoice + "&amount=-500&currency=usd&metadata[tally_line_id]=b", "k3");

        JsonNode listed = json(get("/v1/invoiceitems?invoice=" + invoice + "&limit=1"));
        assertThat(listed.get("data")).hasSize(1);
        assertThat(listed.get("has_more").asBoolean()).isTrue();
        assertThat(json(get("/v1/invoices/" + invoice)).get("total").asLong()).isEqualTo(1000);
        assertThat(json(get("/v1/invoices?customer=cus_a&created[gte]=" + clock.instant().getEpochSecond())).get("data")).hasSize(1);
        assertThat(json(get("/v1/invoices/search?query=" + enc("metadata['tally_invoice_id']:'tin_9'"))).get("data"))
                .as("not searchable yet").isEmpty();
        clock.advance(FakeStripe.SEARCH_DELAY);
        assertThat(json(get("/v1/invoices/search?query=" + enc("metadata['tally_invoice_id']:'tin_9'"))).get("data")).hasSize(1);

        JsonNode finalized = json(post("/v1/invoices/" + invoice + "/finalize", "auto_advance=true", "k4"));
        assertThat(finalized.get("status").asText()).isEqualTo("open");
        HttpResponse<String> twice = post("/v1/invoices/" + invoice + "/finalize", "auto_advance=true", "k5");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(json(twice).path("error").get("code").asText()).isEqualTo("invoice_unexpected_state");
        HttpResponse<String> lateItem = post("/v1/invoiceitems", "customer=cus_a&invoice=" + invoice + "&amount=1&currency=usd", "k6");
        assertThat(lateItem.statusCode()).isEqualTo(400);
        assertThat(stripe.itemsOf(invoice)).extracting(i -> i.get("amount").asLong()).containsExactly(1500L, -500L);
        assertThat(get("/v1/invoices/in_nope").statusCode()).isEqualTo(404);
        assertThat(stripe.requests()).extracting(FakeStripe.Request::endpoint).contains(Endpoint.SEARCH_INVOICES, Endpoint.LIST_ITEMS);
    }

    private HttpResponse<String> post(String path, String form, String key) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(stripe.apiBase() + path)).header("Authorization", "Bearer sk_test_x")
                .header("Content-Type", "application/x-www-form-urlencoded").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(form.replace("[", "%5B").replace("]", "%5D"))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(stripe.apiBase() + pathAndQuery.replace("[", "%5B").replace("]", "%5D")))
                .header("Authorization", "Bearer sk_test_x").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }
}
