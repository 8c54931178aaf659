package dev.tally.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * Base of the commands that drive a running {@code tally serve} through its HTTP API ({@code stripe},
 * {@code clock}, {@code billing}): the {@code --http-endpoint} option, a {@link RuntimeClient}, output through
 * picocli's writers. Failures are {@link Failure}s (exit code 1), reported by {@link Errors}.
 */
abstract class RuntimeCommand implements Callable<Integer> {
    /** The local runtime's HTTP API when {@code tally serve} runs with its default ports. */
    static final String LOCAL_HTTP = "http://localhost:3000";
    /** Times for people: {@code 2026-12-01 06:20:00} (UTC). */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Option(names = "--http-endpoint", paramLabel = "URL", converter = EndpointConverter.class,
            defaultValue = LOCAL_HTTP, description = "HTTP API of the running `tally serve`. Default: ${DEFAULT-VALUE}.")
    URI httpEndpoint;

    /**
     * Does the command's work.
     *
     * @param runtime the running runtime
     * @return the exit code, 0 on success
     */
    abstract int run(RuntimeClient runtime);

    @Override
    public final Integer call() {
        try {
            return run(new RuntimeClient(httpEndpoint));
        } finally {
            out().flush();
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** {@code 2026-12-01T06:20:00Z}. */
    static String iso(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).toString();
    }
}
