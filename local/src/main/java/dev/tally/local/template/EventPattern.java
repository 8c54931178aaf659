package dev.tally.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Lambda event-filtering pattern ({@code FilterCriteria.Filters[].Pattern}), matched locally against the JSON form
 * of an event record (for DynamoDB Streams: {@code {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S":
 * "..."}}, "NewImage": {...}}, ...}}).
 *
 * <p>Written here because no library implements Lambda's filter rules for Java. It implements only the subset the
 * template uses, plus a few obvious neighbours:
 * <ul>
 *   <li>a pattern is a JSON object; each key must match the record field of the same name (all keys must match);</li>
 *   <li>an object value is a nested pattern for a nested field;</li>
 *   <li>an array value is a leaf: the field matches when it equals any listed literal (string, number, boolean,
 *       {@code null}) or satisfies any listed operator object: {@code {"prefix": "..."}}, {@code {"suffix": "..."}},
 *       {@code {"equals-ignore-case": "..."}}, {@code {"anything-but": literal-or-list}},
 *       {@code {"exists": true|false}};</li>
 *   <li>when the record field is an array, it matches when any element matches.</li>
 * </ul>
 * Any other operator ({@code numeric}, {@code cidr}, {@code $or}, wildcards) is rejected by {@link #parse} with an
 * {@link IllegalArgumentException}, so an unsupported pattern fails when the template is read, not silently later.
 * Instances are immutable and thread-safe.
 */
public final class EventPattern {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> fields; // value: EventPattern (nested) or List<LeafMatcher>
    private final String text;

    private EventPattern(Map<String, Object> fields, String text) {
        this.fields = fields;
        this.text = text;
    }

    /**
     * Parses a pattern's JSON text.
     *
     * @param json the pattern, e.g. {@code {"eventName": ["INSERT"]}}
     * @param where what to name in error messages (the function and event)
     * @throws IllegalArgumentException when the text is not a JSON object or uses an unsupported operator
     */
    public static EventPattern parse(String json, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": filter pattern is not valid JSON: " + json, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": filter pattern must be a JSON object: " + json);
        }
        return parseObject(root, where, json);
    }

    private static EventPattern parseObject(JsonNode node, String where, String text) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : Nodes.fields(node)) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$")) {
                throw new IllegalArgumentException(where + ": filter operator " + key + " is not supported locally");
            }
            if (value.isObject()) {
                fields.put(key, parseObject(value, where, value.toString()));
            } else if (value.isArray()) {
                List<LeafMatcher> leaf = new ArrayList<>();
                for (JsonNode item : value) {
                    leaf.add(parseLeaf(item, where));
                }
                fields.put(key, List.copyOf(leaf));
            } else {
                throw new IllegalArgumentException(where + ": filter pattern values must be arrays or objects; field "
                        + key + " is " + value);
            }
        }
        return new EventPattern(fields, text);
    }

    private static LeafMatcher parseLeaf(JsonNode item, String where) {
        if (item.isValueNode()) {
            return value -> value != null && literalEquals(item, value);
        }
        if (!item.isObject() || item.size() != 1) {
            throw new IllegalArgumentException(where + ": unsupported filter element " + item);
        }
        String op = item.fieldNames().next();
        JsonNode arg = item.get(op);
        return switch (op) {
            case "prefix" -> {
                String prefix = textArg(op, arg, where);
                yield value -> value != null && value.isTextual() && value.asText().startsWith(prefix);
            }
            case "suffix" -> {
                String suffix = textArg(op, arg, where);
                yield value -> value != null && value.isTextual() && value.asText().endsWith(suffix);
            }
            case "equals-ignore-case" -> {
                String expected = textArg(op, arg, where).toLowerCase(Locale.ROOT);
                yield value -> value != null && value.isTextual()
                        && value.asText().toLowerCase(Locale.ROOT).equals(expected);
            }
            case "exists" -> {
                if (!arg.isBoolean()) {
                    throw new IllegalArgumentException(where + ": exists takes true or false, found " + arg);
                }
                boolean exists = arg.asBoolean();
                yield value -> exists == (value != null);
            }
            case "anything-but" -> {
                List<JsonNode> excluded = new ArrayList<>();
                if (arg.isArray()) {
                    arg.forEach(excluded::add);
                } else {
                    excluded.add(arg);
                }
                for (JsonNode x : excluded) {
                    if (!x.isValueNode()) {
                        throw new IllegalArgumentException(where + ": anything-but takes literals locally, found " + x);
                    }
                }
                yield value -> value != null && excluded.stream().noneMatch(x -> literalEquals(x, value));
            }
            default -> throw new IllegalArgumentException(where + ": filter operator " + op
                    + " is not supported locally");
        };
    }

    private static String textArg(String op, JsonNode arg, String where) {
        if (!arg.isTextual()) {
            throw new IllegalArgumentException(where + ": " + op + " takes a string, found " + arg);
        }
        return arg.asText();
    }

    private static boolean literalEquals(JsonNode expected, JsonNode value) {
        if (expected.isNull()) {
            return value.isNull();
        }
        if (expected.isNumber()) {
            return value.isNumber() && expected.decimalValue().compareTo(value.decimalValue()) == 0;
        }
        if (expected.isBoolean()) {
            return value.isBoolean() && expected.asBoolean() == value.asBoolean();
        }
        return value.isTextual() && expected.asText().equals(value.asText());
    }

    /**
     * Whether the record matches this pattern.
     *
     * @param record the record's JSON form; a field missing from it only matches {@code {"exists": false}}
     */
    public boolean matches(JsonNode record) {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            JsonNode value = record == null || !record.isObject() ? null : record.get(e.getKey());
            if (e.getValue() instanceof EventPattern nested) {
                if (value == null || !value.isObject() || !nested.matches(value)) {
                    return false;
                }
            } else {
                @SuppressWarnings("unchecked")
                List<LeafMatcher> leaf = (List<LeafMatcher>) e.getValue();
                if (!leafMatches(leaf, value)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean leafMatches(List<LeafMatcher> leaf, JsonNode value) {
        if (value != null && value.isArray()) {
            for (JsonNode element : value) {
                if (leaf.stream().anyMatch(m -> m.test(element))) {
                    return true;
                }
            }
            return false;
        }
        return leaf.stream().anyMatch(m -> m.test(value));
    }

    /** The pattern's JSON text, as given. */
    @Override
    public String toString() {
        return text;
    }

    @FunctionalInterface
    private interface LeafMatcher {
        boolean test(JsonNode valueOrNull);
    }
}
