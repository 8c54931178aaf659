package dev.tally.local.http;

import dev.tally.local.lambda.LocalFunction;
import dev.tally.local.template.FunctionEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One route of the local HTTP API: an {@code HttpApi} event of a function. Matches like API Gateway HTTP APIs:
 * literal segments exactly, {@code {name}} one segment, a final {@code {name+}} the rest of the path, method
 * {@code ANY} every method, {@code $default} everything. Immutable.
 *
 * @param event the template's event
 * @param function the function it invokes
 */
public record HttpRoute(FunctionEvent.HttpApi event, LocalFunction function) {

    /** Validates the path template. */
    public HttpRoute {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(function, "function");
        List<String> segments = segments(event.path());
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            if (s.endsWith("+}") && i != segments.size() - 1) {
                throw new IllegalArgumentException(function.name() + " Events." + event.name()
                        + ": a greedy path variable must be the last segment: " + event.path());
            }
        }
    }

    /**
     * Matches a request.
     *
     * @param method the request method, upper case
     * @param path the decoded request path
     * @return the path parameters (possibly empty) when the route matches, else {@code null}
     */
    public Map<String, String> match(String method, String path) {
        if (!event.method().equals("ANY") && !event.method().equals(method)) {
            return null;
        }
        if (isDefault()) {
            return Map.of();
        }
        List<String> template = segments(event.path());
        List<String> actual = segments(path);
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            if (t.startsWith("{") && t.endsWith("+}")) {
                if (i >= actual.size()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 2), String.join("/", actual.subList(i, actual.size())));
                return params;
            }
            if (i >= actual.size()) {
                return null;
            }
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), actual.get(i));
            } else if (!t.equals(actual.get(i))) {
                return null;
            }
        }
        return template.size() == actual.size() ? params : null;
    }

    /**
     * Precedence among routes that match the same request (higher wins): method-specific over ANY, literal
     * segments over variables, variables over a greedy variable, anything over {@code $default}.
     */
    public int specificity() {
        if (isDefault()) {
            return Integer.MIN_VALUE;
        }
        int score = 0;
        for (String s : segments(event.path())) {
            if (s.endsWith("+}")) {
                score -= 1_000;
            } else if (s.startsWith("{")) {
                score += 10;
            } else {
                score += 100;
            }
        }
        return score * 2 + (event.method().equals("ANY") ? 0 : 1);
    }

    /** Whether this is the catch-all {@code $default} route. */
    public boolean isDefault() {
        return event.path().equals("$default");
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
