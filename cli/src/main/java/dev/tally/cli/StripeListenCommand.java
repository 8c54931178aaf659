package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code tally stripe listen}: prints the Stripe webhook events the running runtime receives, as {@code stripe listen}
 * prints those it forwards: for each, a line with the time (runtime's clock, UTC), {@code -->}, the event type and
 * id, then one with {@code <--}, the HTTP status Tally answered, the route and Tally's outcome. Reads the runtime's
 * log of requests answered (it keeps the last 1000) by long polling; from now on, or with {@code --all} from the
 * oldest kept. Runs until Ctrl-C, or until {@code --max} events were printed.
 */
@Command(name = "listen", mixinStandardHelpOptions = true,
        description = {"Prints the Stripe webhook events the local runtime receives and how Tally answered each, "
                + "until Ctrl-C (or --max events).",
                "Exit code 1 when the runtime cannot be reached."})
final class StripeListenCommand extends RuntimeCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Seconds one poll waits for a request when there is none. */
    static final int POLL_SECONDS = 10;

    @Option(names = "--all", description = "Start with the events received before (the runtime keeps the last 1000).")
    boolean all;

    @Option(names = "--print-json", description = "Also print each event as received (the raw body).")
    boolean printJson;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N events. Default: run until Ctrl-C.")
    Integer max;

    @Override
    int run(RuntimeClient runtime) {
        if (max != null && max < 1) {
            throw new ParameterException(spec.commandLine(), "--max must be at least 1");
        }
        JsonNode info = runtime.runtime();
        Set<String> webhookFunctions = new HashSet<>();
        for (JsonNode route : info.path("routes")) {
            if (route.path("routeKey").asText().contains("/webhooks/stripe")) {
                webhookFunctions.add(route.path("function").asText());
            }
        }
        long after = all ? 0 : runtime.requests(Long.MAX_VALUE, 0).path("last").asLong();
        out().printf("Ready! Listening for the Stripe webhooks %s receives (%s). Ctrl-C stops.%n", runtime.endpoint(),
                webhookFunctions.isEmpty() ? "no Stripe webhook route" : StripeTriggerCommand.WEBHOOK_ROUTE);
        out().flush();
        int printed = 0;
        while (max == null || printed < max) {
            JsonNode batch = runtime.requests(after, POLL_SECONDS);
            for (JsonNode request : batch.path("requests")) {
                after = Math.max(after, request.path("sequence").asLong());
                if (!webhookFunctions.contains(request.path("function").asText())) {
                    continue;
                }
                print(request);
                if (max != null && ++printed >= max) {
                    break;
                }
            }
            out().flush();
        }
        return 0;
    }

    private void print(JsonNode request) {
        String time = TIME.format(java.time.Instant.ofEpochSecond(request.path("receivedAt").asLong()));
        JsonNode event = parse(request.path("requestBody").asText(""));
        JsonNode reply = parse(request.path("responseBody").asText(""));
        out().printf("%s  --> %s [%s]%n", time, event.path("type").asText("(not a Stripe event)"),
                event.path("id").asText("?"));
        if (printJson) {
            out().println(request.path("requestBody").asText(""));
        }
        String outcome = reply.path("outcome").asText("") + (reply.hasNonNull("message") ? ": " + reply.get("message").asText() : "");
        out().printf("%s  <-- [%d] %s %s %s [%s]%n", time, request.path("status").asInt(), request.path("method").asText(),
                request.path("path").asText(), outcome, event.path("id").asText("?"));
    }

    private static JsonNode parse(String text) {
        try {
            return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
