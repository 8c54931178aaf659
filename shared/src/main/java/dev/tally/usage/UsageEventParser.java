package dev.tally.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an SQS message body into usage events. Numbers are read as {@link BigDecimal}, never as floating point.
 */
public final class UsageEventParser {

    /** Longest accepted event id, in characters. */
    public static final int MAX_ID_LENGTH = 128;
    private static final int MAX_QUANTITY_DECIMALS = 12;
    /** DynamoDB keeps 38 digits; the bound also stops "1e100000000" from being expanded to 100 million digits. */
    private static final int MAX_QUANTITY_INTEGER_DIGITS = 38;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            // "{...}{...}" or NDJSON must not count the first event and silently drop the rest
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private UsageEventParser() {
    }

    /**
     * Splits a message body into its events' JSON nodes.
     *
     * @param body the message body: one JSON object or an array of objects
     * @return the event nodes, in order
     * @throws UsageRejection {@link RejectionReason#MALFORMED_JSON} if the body is not such JSON
     */
    public static List<JsonNode> split(String body) throws UsageRejection {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new UsageRejection(RejectionReason.MALFORMED_JSON, "body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new UsageRejection(RejectionReason.MALFORMED_JSON, "body is empty");
        }
        if (root.isObject()) {
            return List.of(root);
        }
        if (root.isArray() && !root.isEmpty()) {
            List<JsonNode> events = new ArrayList<>();
            root.forEach(events::add);
            return events;
        }
        throw new UsageRejection(RejectionReason.MALFORMED_JSON, "body must be a JSON object or a non-empty array of objects");
    }

    /**
     * Reads and checks the fields of one event (syntax only; the catalog and accounts are checked by the service).
     *
     * @param node one event's JSON
     * @return the event
     * @throws UsageRejection {@link RejectionReason#INVALID_FIELD} or {@link RejectionReason#NEGATIVE_QUANTITY}
     */
    public static UsageEvent parse(JsonNode node) throws UsageRejection {
        if (!node.isObject()) {
            throw new UsageRejection(RejectionReason.MALFORMED_JSON, "event must be a JSON object");
        }
        String id = text(node, "id");
        if (id.length() > MAX_ID_LENGTH) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD, "id is longer than " + MAX_ID_LENGTH + " characters");
        }
        String account = text(node, "account");
        String meter = text(node, "meter");
        JsonNode q = node.get("quantity");
        BigDecimal quantity;
        if (q != null && q.isNumber()) {
            quantity = q.decimalValue();
        } else if (q != null && q.isTextual()) {
            try {
                quantity = new BigDecimal(q.asText());
            } catch (NumberFormatException e) {
                throw new UsageRejection(RejectionReason.INVALID_FIELD, "quantity is not a number: " + q.asText());
            }
        } else {
            throw new UsageRejection(RejectionReason.INVALID_FIELD, "quantity is required and must be a number");
        }
        if (quantity.signum() < 0) {
            throw new UsageRejection(RejectionReason.NEGATIVE_QUANTITY, "quantity must be >= 0, was " + quantity.toPlainString());
        }
        quantity = quantity.stripTrailingZeros();
        if (quantity.scale() > MAX_QUANTITY_DECIMALS) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD, "quantity has more than " + MAX_QUANTITY_DECIMALS + " decimals");
        }
        if (quantity.precision() - quantity.scale() > MAX_QUANTITY_INTEGER_DIGITS) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD,
                    "quantity has more than " + MAX_QUANTITY_INTEGER_DIGITS + " digits before the decimal point");
        }
        if (quantity.scale() < 0) {
            quantity = quantity.setScale(0);
        }
        if (quantity.precision() > MAX_QUANTITY_INTEGER_DIGITS) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD,
                    "quantity has more than " + MAX_QUANTITY_INTEGER_DIGITS + " significant digits (DynamoDB's number precision)");
        }
        JsonNode ts = node.get("timestamp");
        if (ts == null || !ts.isIntegralNumber() || !ts.canConvertToLong() || ts.asLong() <= 0) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD, "timestamp is required: whole seconds since the epoch");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        JsonNode props = node.get("properties");
        if (props != null && !props.isNull()) {
            if (!props.isObject()) {
                throw new UsageRejection(RejectionReason.INVALID_FIELD, "properties must be an object");
            }
            props.fields().forEachRemaining(e -> properties.put(e.getKey(), e.getValue().asText()));
        }
        return new UsageEvent(id, account, meter, quantity, ts.asLong(), properties);
    }

    /**
     * @param properties event properties
     * @return them as a JSON object string
     */
    static String toJson(Map<String, String> properties) {
        try {
            return JSON.writeValueAsString(properties);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param node a JSON node
     * @return its compact JSON text
     */
    static String toJson(JsonNode node) {
        return node.toString();
    }

    private static String text(JsonNode node, String field) throws UsageRejection {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD, field + " is required and must be a non-empty string");
        }
        return v.asText();
    }
}
