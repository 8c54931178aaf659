package dev.tally.config;

import java.util.Map;
import java.util.Optional;

/**
 * A function's configuration: its environment variables. In Lambda this is {@link System#getenv()}; the local
 * runtime passes the variables it resolved from {@code template.yaml} for that function, so both read the same
 * names.
 */
public final class Env {

    private final Map<String, String> vars;

    private Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    /**
     * @param vars variable names to values
     * @return the configuration
     */
    public static Env of(Map<String, String> vars) {
        return new Env(vars);
    }

    /**
     * @param name variable name
     * @return its value
     * @throws IllegalStateException if the variable is unset or blank (the message names it)
     */
    public String require(String name) {
        String value = vars.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set");
        }
        return value;
    }

    /**
     * @param name variable name
     * @return its value, empty if unset or blank
     */
    public Optional<String> optional(String name) {
        String value = vars.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /**
     * @param name variable name
     * @param fallback value when unset
     * @return the variable parsed as a long
     * @throws NumberFormatException if set but not a number
     */
    public long longValue(String name, long fallback) {
        return optional(name).map(Long::parseLong).orElse(fallback);
    }

    /** @return true when running in Tally's local runtime ({@code TALLY_LOCAL=true}) */
    public boolean local() {
        return "true".equalsIgnoreCase(vars.get("TALLY_LOCAL"));
    }
}
