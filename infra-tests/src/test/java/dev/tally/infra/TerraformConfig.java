package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Terraform module directory (its *.tf files, not subdirectories) as hcl2json renders it, merged across files,
 * with the few expression shapes the agreement test needs to read: references, locals, {@code merge(...)} of maps,
 * variables and their defaults. Anything else is reported, not guessed.
 */
final class TerraformConfig {

    /** A reference in an expression: {@code module.x.y}, {@code var.x}, {@code local.x}, {@code aws_t.x.y}, {@code data.aws_t.x.y}. */
    record Ref(String kind, String type, String name, String attribute) {

        /** @return the template logical ID this name mirrors (accounts_table -> AccountsTable) */
        String logicalId() {
            return camel(name);
        }
    }

    private static final Pattern REF = Pattern.compile(
            "(?<![\\w.])(?:(module|var|local)\\.(\\w+)|data\\.(\\w+)\\.(\\w+)|(aws_\\w+)\\.(\\w+))(?:\\.(\\w+))?");

    final Path dir;
    final Map<String, JsonNode> modules = new TreeMap<>();
    final Map<String, Map<String, JsonNode>> resources = new TreeMap<>();
    final Map<String, Map<String, JsonNode>> data = new TreeMap<>();
    final Map<String, JsonNode> variables = new TreeMap<>();
    final Map<String, JsonNode> outputs = new TreeMap<>();
    final ObjectNode locals = JsonNodeFactory.instance.objectNode();

    private TerraformConfig(Path dir) {
        this.dir = dir;
    }

    /** Reads the *.tf files directly in {@code dir}; fails on a file that does not parse. */
    static TerraformConfig load(Path dir) {
        TerraformConfig config = new TerraformConfig(dir.toAbsolutePath().normalize());
        boolean any = false;
        for (Hcl.Parsed parsed : Hcl.all().values()) {
            if (!parsed.file().getParent().equals(config.dir)) {
                continue;
            }
            any = true;
            if (!parsed.ok()) {
                throw new AssertionError("Terraform does not parse:\n  " + String.join("\n  ", parsed.errors()));
            }
            config.merge(parsed.file(), parsed.json());
        }
        if (!any) {
            throw new AssertionError("no .tf files in " + dir);
        }
        return config;
    }

    private void merge(Path file, JsonNode json) {
        single(file, json.path("module"), modules);
        single(file, json.path("variable"), variables);
        single(file, json.path("output"), outputs);
        json.path("resource").fields().forEachRemaining(t ->
                single(file, t.getValue(), resources.computeIfAbsent(t.getKey(), k -> new TreeMap<>())));
        json.path("data").fields().forEachRemaining(t ->
                single(file, t.getValue(), data.computeIfAbsent(t.getKey(), k -> new TreeMap<>())));
        for (JsonNode block : json.path("locals")) {
            locals.setAll((ObjectNode) block);
        }
    }

    private static void single(Path file, JsonNode byName, Map<String, JsonNode> into) {
        byName.fields().forEachRemaining(e -> {
            if (e.getValue().size() != 1 || into.containsKey(e.getKey())) {
                throw new AssertionError(file + ": " + e.getKey() + " is defined more than once");
            }
            into.put(e.getKey(), e.getValue().get(0));
        });
    }

    Map<String, JsonNode> resources(String type) {
        return resources.getOrDefault(type, Map.of());
    }

    Map<String, JsonNode> data(String type) {
        return data.getOrDefault(type, Map.of());
    }

    /** @return the module calls whose source is {@code ../../modules/<name>} (any relative path ending so) */
    Map<String, JsonNode> moduleCalls(String moduleName) {
        Map<String, JsonNode> calls = new TreeMap<>();
        modules.forEach((name, block) -> {
            if (block.path("source").asText().replaceAll("/+$", "").endsWith("modules/" + moduleName)) {
                calls.put(name, block);
            }
        });
        return calls;
    }

    /** @return the directory of a module call's local source */
    Path sourceDir(JsonNode call) {
        return dir.resolve(call.path("source").asText()).normalize();
    }

    // ------------------------------------------------------------------------------------------ expressions

    static boolean isExpression(JsonNode value) {
        return value != null && value.isTextual() && value.asText().contains("${");
    }

    /** @return the text inside a whole-value {@code "${...}"}, or empty when the value is not one expression */
    static Optional<String> wholeExpression(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return Optional.empty();
        }
        String s = value.asText();
        if (s.startsWith("${") && s.endsWith("}") && s.indexOf("${", 2) < 0) {
            return Optional.of(s.substring(2, s.length() - 1).trim());
        }
        return Optional.empty();
    }

    static List<Ref> refs(String text) {
        List<Ref> refs = new ArrayList<>();
        Matcher m = REF.matcher(text);
        while (m.find()) {
            if (m.group(1) != null) {
                refs.add(new Ref(m.group(1), null, m.group(2), m.group(7)));
            } else if (m.group(3) != null) {
                refs.add(new Ref("data", m.group(3), m.group(4), m.group(7)));
            } else {
                refs.add(new Ref("resource", m.group(5), m.group(6), m.group(7)));
            }
        }
        return refs;
    }

    /** @return the one reference in an expression that refers to anything (ignoring locals it passes through) */
    static Optional<Ref> singleRef(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return Optional.empty();
        }
        List<Ref> refs = refs(value.asText());
        return refs.stream().map(r -> r.kind() + ":" + r.type() + ":" + r.name()).distinct().count() == 1
                ? Optional.of(refs.get(0)) : Optional.empty();
    }

    /** @return a variable's default in this configuration, as JSON; empty when it has none (required) */
    Optional<JsonNode> variableDefault(String name) {
        JsonNode variable = variables.get(name);
        if (variable == null) {
            throw new AssertionError("var." + name + " is used but not declared in " + dir);
        }
        return Optional.ofNullable(variable.get("default"));
    }

    /**
     * The value of a module call's argument: what the call passes (a {@code var.x} of this configuration resolved to
     * its default), or else the module's own default for that variable.
     */
    JsonNode argument(JsonNode call, String name) {
        JsonNode passed = call.get(name);
        if (passed == null) {
            TerraformConfig module = TerraformConfig.load(sourceDir(call));
            return module.variableDefault(name).orElseThrow(() -> new AssertionError(
                    "module call to " + call.path("source").asText() + " does not pass required " + name));
        }
        return resolveVar(passed);
    }

    /** {@code "${var.x}"} -> var.x's default (or {@code "(required var.x)"}); anything else unchanged. */
    JsonNode resolveVar(JsonNode value) {
        Optional<String> expr = wholeExpression(value);
        if (expr.isPresent() && expr.get().matches("var\\.\\w+")) {
            String name = expr.get().substring(4);
            return variableDefault(name).orElse(JsonNodeFactory.instance.textNode("(required var." + name + ")"));
        }
        return value;
    }

    /** {@code "${local.x}"} -> the local's value (recursively); anything else unchanged. */
    JsonNode resolveLocal(JsonNode value) {
        Optional<String> expr = wholeExpression(value);
        if (expr.isPresent() && expr.get().matches("local\\.\\w+")) {
            String name = expr.get().substring(6);
            JsonNode local = locals.get(name);
            if (local == null) {
                throw new AssertionError("local." + name + " is used but not defined in " + dir);
            }
            return resolveLocal(local);
        }
        return value;
    }

    /**
     * Reads a map-valued expression as key -> value expression (JSON). Understands an object literal,
     * {@code local.x}, and {@code merge(a, b, ...)} of those.
     */
    Map<String, JsonNode> map(JsonNode value) {
        JsonNode resolved = resolveLocal(value);
        Map<String, JsonNode> out = new TreeMap<>();
        if (resolved.isObject()) {
            resolved.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
            return out;
        }
        Optional<String> expr = wholeExpression(resolved);
        if (expr.isPresent() && expr.get().startsWith("merge(") && expr.get().endsWith(")")) {
            for (String arg : splitTopLevel(expr.get().substring(6, expr.get().length() - 1), ',')) {
                String a = arg.strip();
                if (a.isEmpty()) {
                    continue;
                }
                if (a.startsWith("{")) {
                    out.putAll(objectLiteral(a));
                } else {
                    out.putAll(map(JsonNodeFactory.instance.textNode("${" + a + "}")));
                }
            }
            return out;
        }
        throw new AssertionError("cannot read " + value + " as a map: the agreement test reads object literals,"
                + " local.<name> and merge(...) of those");
    }

    /** Parses {@code { KEY = expr \n KEY2 = "literal" }} into key -> JSON (a string literal, or "${expr}"). */
    private static Map<String, JsonNode> objectLiteral(String text) {
        String body = text.strip();
        if (!body.startsWith("{") || !body.endsWith("}")) {
            throw new AssertionError("not an object literal: " + text);
        }
        body = body.substring(1, body.length() - 1);
        Map<String, JsonNode> out = new TreeMap<>();
        for (String line : splitTopLevel(body, '\n', ',')) {
            String entry = line.strip();
            if (entry.isEmpty() || entry.startsWith("#") || entry.startsWith("//")) {
                continue;
            }
            Matcher m = Pattern.compile("^\"?([A-Za-z_][\\w-]*)\"?\\s*[=:]\\s*(.+)$", Pattern.DOTALL).matcher(entry);
            if (!m.matches()) {
                throw new AssertionError("cannot read object entry: " + entry);
            }
            String expr = m.group(2).strip();
            if (expr.matches("\"[^\"$\\\\]*\"")) {
                out.put(m.group(1), JsonNodeFactory.instance.textNode(expr.substring(1, expr.length() - 1)));
            } else if (expr.matches("-?\\d+(\\.\\d+)?|true|false")) {
                out.put(m.group(1), JsonNodeFactory.instance.textNode(expr));
            } else {
                out.put(m.group(1), JsonNodeFactory.instance.textNode("${" + expr + "}"));
            }
        }
        return out;
    }

    /** Splits at separators that are outside brackets and string literals. */
    static List<String> splitTopLevel(String text, char... separators) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\' && i + 1 < text.length()) {
                    current.append(c).append(text.charAt(++i));
                    continue;
                }
                if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && new String(separators).indexOf(c) >= 0) {
                parts.add(current.toString());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        parts.add(current.toString());
        return parts;
    }

    /** accounts_table -> AccountsTable */
    static String camel(String snake) {
        StringBuilder out = new StringBuilder();
        for (String part : snake.split("_")) {
            if (!part.isEmpty()) {
                out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return out.toString();
    }

    /** @return the elements of a JSON array, or of a single value as a one-element list, or none for null/missing */
    static List<JsonNode> list(JsonNode value) {
        List<JsonNode> out = new ArrayList<>();
        if (value == null || value.isMissingNode() || value.isNull()) {
            return out;
        }
        if (value.isArray()) {
            Iterator<JsonNode> it = value.elements();
            it.forEachRemaining(out::add);
        } else {
            out.add(value);
        }
        return out;
    }
}
