package dev.tally.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * Progress of a long run (the demo, benchmarks) for a person at a terminal: one line on stderr, rewritten in place
 * and cleared when done. Silent when stderr is not a terminal (no console), under CI ({@code CI} set, as GitHub
 * Actions, GitLab and most CI systems set it) or with {@code TERM=dumb}, so logs stay clean. Not thread-safe.
 */
final class Progress {
    private static final long MIN_INTERVAL_NANOS = 100_000_000L;
    private final PrintStream err;
    private final boolean enabled;
    private int shown;
    private long lastUpdate;

    private Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /**
     * @param err where progress is shown
     * @param environment the process environment ({@code CI}, {@code TERM})
     * @param terminal whether the process has a terminal ({@code System.console() != null})
     * @return a progress line shown only on a terminal outside CI
     */
    static Progress on(PrintStream err, Map<String, String> environment, boolean terminal) {
        boolean ci = environment.get("CI") != null && !environment.get("CI").isBlank()
                && !environment.get("CI").equalsIgnoreCase("false");
        return new Progress(err, terminal && !ci && !"dumb".equals(environment.get("TERM")));
    }

    /** @return progress for this process: on stderr, when it is a terminal outside CI */
    static Progress forThisProcess() {
        return on(System.err, System.getenv(), System.console() != null);
    }

    /** @return progress that shows nothing */
    static Progress none() {
        return new Progress(System.err, false);
    }

    /** @return whether anything is shown */
    boolean enabled() {
        return enabled;
    }

    /**
     * Shows {@code line} in place of the previous one (at most ten times a second, except the first).
     *
     * @param line e.g. {@code "usage: 300 of 1043 messages sent"}
     */
    void show(String line) {
        long now = System.nanoTime();
        if (!enabled || shown > 0 && now - lastUpdate < MIN_INTERVAL_NANOS) {
            return;
        }
        lastUpdate = now;
        err.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
        err.flush();
        shown = line.length();
    }

    /** Clears the line. */
    void done() {
        if (enabled && shown > 0) {
            err.print("\r" + " ".repeat(shown) + "\r");
            err.flush();
            shown = 0;
        }
    }
}
