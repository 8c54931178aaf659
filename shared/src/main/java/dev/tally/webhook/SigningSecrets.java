package dev.tally.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The webhook endpoint's signing secrets, several at once so that a secret can be rotated without rejecting a single
 * event (docs/runbooks/rotate-webhook-secret.md). The stored value (Secrets Manager, or {@code STRIPE_WEBHOOK_SECRET}
 * locally) is either
 * <ul>
 *   <li>one or more {@code whsec_...} separated by commas ({@code whsec_new,whsec_old}), or</li>
 *   <li>a JSON object {@code {"current": "whsec_new", "previous": "whsec_old"}} ({@code previous} optional; each may
 *       itself hold a comma-separated list).</li>
 * </ul>
 * An event is accepted when its {@code Stripe-Signature} verifies with any of them. The values are never logged.
 */
public final class SigningSecrets {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SigningSecrets() {
    }

    /**
     * @param value the stored value
     * @return the secrets, in order (current first), blanks dropped
     * @throws IllegalArgumentException if none is given or one does not start with {@code whsec_} (the message never
     *     quotes the value)
     */
    public static List<String> parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the webhook signing secret is empty");
        }
        List<String> secrets = new ArrayList<>();
        String trimmed = value.trim();
        if (trimmed.startsWith("{")) {
            JsonNode node;
            try {
                node = JSON.readTree(trimmed);
            } catch (IOException e) {
                throw new IllegalArgumentException("the webhook signing secret is not valid JSON");
            }
            addAll(secrets, node.path("current").asText(""));
            addAll(secrets, node.path("previous").asText(""));
        } else {
            addAll(secrets, trimmed);
        }
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("the webhook signing secret holds no whsec_ value");
        }
        for (String s : secrets) {
            if (!s.startsWith("whsec_")) {
                throw new IllegalArgumentException("a webhook signing secret does not start with whsec_");
            }
        }
        return List.copyOf(secrets);
    }

    private static void addAll(List<String> into, String commaSeparated) {
        for (String part : commaSeparated.split(",")) {
            if (!part.isBlank()) {
                into.add(part.trim());
            }
        }
    }
}
