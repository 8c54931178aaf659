package dev.tally.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Small helpers to read typed values out of the template's JSON tree, each failing with an
 * {@link IllegalArgumentException} that names where in the template the bad value is.
 */
final class Nodes {
    private Nodes() {
    }

    static boolean present(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && !value.isNull() && !value.isMissingNode();
    }

    static JsonNode object(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(where + ": " + field + " is required");
        }
        if (!value.isObject()) {
            throw new IllegalArgumentException(where + ": " + field + " must be a mapping, found " + value.getNodeType());
        }
        return value;
    }

    static Optional<JsonNode> optionalObject(JsonNode node, String field, String where) {
        if (!present(node, field)) {
            return Optional.empty();
        }
        return Optional.of(object(node, field, where));
    }

    static List<JsonNode> list(JsonNode node, String field, String where) {
        if (!present(node, field)) {
            return List.of();
        }
        JsonNode value = node.get(field);
        if (!value.isArray()) {
            throw new IllegalArgumentException(where + ": " + field + " must be a list, found " + value.getNodeType());
        }
        List<JsonNode> out = new ArrayList<>();
        value.forEach(out::add);
        return out;
    }

    static String text(JsonNode node, String field, String where) {
        return optionalText(node, field, where)
                .orElseThrow(() -> new IllegalArgumentException(where + ": " + field + " is required"));
    }

    static Optional<String> optionalText(JsonNode node, String field, String where) {
        if (!present(node, field)) {
            return Optional.empty();
        }
        JsonNode value = node.get(field);
        if (!value.isValueNode()) {
            throw new IllegalArgumentException(where + ": " + field
                    + " must be a literal value here (intrinsic functions are not supported in this property)");
        }
        return Optional.of(value.asText());
    }

    static OptionalInt optionalInt(JsonNode node, String field, String where) {
        Optional<String> text = optionalText(node, field, where);
        if (text.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(text.get().trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + field + " must be an integer, found '" + text.get() + "'", e);
        }
    }

    static int intOr(JsonNode node, String field, int defaultValue, String where) {
        return optionalInt(node, field, where).orElse(defaultValue);
    }

    static boolean boolOr(JsonNode node, String field, boolean defaultValue, String where) {
        Optional<String> text = optionalText(node, field, where);
        if (text.isEmpty()) {
            return defaultValue;
        }
        return switch (text.get().toLowerCase()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(where + ": " + field + " must be true or false, found '"
                    + text.get() + "'");
        };
    }

    static List<String> textList(JsonNode node, String field, String where) {
        List<String> out = new ArrayList<>();
        for (JsonNode item : list(node, field, where)) {
            if (!item.isValueNode()) {
                throw new IllegalArgumentException(where + ": " + field + " must be a list of literal values");
            }
            out.add(item.asText());
        }
        return out;
    }

    static Iterable<Map.Entry<String, JsonNode>> fields(JsonNode node) {
        return () -> {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            return it;
        };
    }

    /**
     * Reads {@code Fn::GetAtt: [LogicalId, Attribute]} (or its {@code "LogicalId.Attribute"} string form) and
     * returns the two parts.
     */
    static String[] getAtt(JsonNode node, String where) {
        if (node == null || !node.isObject() || node.size() != 1 || !node.has("Fn::GetAtt")) {
            throw new IllegalArgumentException(where + ": expected Fn::GetAtt [LogicalId, Attribute], found "
                    + (node == null ? "nothing" : node.toString()));
        }
        JsonNode args = node.get("Fn::GetAtt");
        if (args.isArray() && args.size() == 2 && args.get(0).isTextual() && args.get(1).isTextual()) {
            return new String[] {args.get(0).asText(), args.get(1).asText()};
        }
        if (args.isTextual() && args.asText().contains(".")) {
            String s = args.asText();
            int dot = s.indexOf('.');
            return new String[] {s.substring(0, dot), s.substring(dot + 1)};
        }
        throw new IllegalArgumentException(where + ": Fn::GetAtt must be a 2-element list [LogicalId, Attribute], found "
                + args);
    }
}
