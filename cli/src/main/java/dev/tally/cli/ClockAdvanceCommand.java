package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;

/**
 * {@code tally clock advance DURATION | --to TIME}: moves the running runtime's clock forward, like advancing a
 * Stripe test clock; never backwards. The schedules whose times it passes fire (a schedule passed several times fires
 * once, for the latest), and the command returns when the system is idle again, so a billing run it caused has
 * written its invoices.
 *
 * <p>{@code DURATION}: whole days, hours, minutes and seconds written together ({@code 32d}, {@code 1d12h},
 * {@code 90m}, {@code 45s}) or ISO-8601 ({@code P32D}, {@code PT1H}); more than zero. {@code TIME}: ISO-8601 UTC
 * ({@code 2027-01-01T00:00:00Z}), a date ({@code 2027-01-01}, midnight UTC) or seconds since the epoch; not before the
 * clock. Exit code 2 for a malformed or non-positive duration or time, 1 when the runtime refuses (a time in its past)
 * or cannot be reached.
 */
@Command(name = "advance", mixinStandardHelpOptions = true,
        description = {"Moves the local runtime's clock forward (never back), lets the schedules it passes fire "
                + "(billing runs hourly) and waits until the system is idle.",
                "DURATION: e.g. 32d, 1d12h, 90m, 45s, or ISO-8601 P32D / PT1H.",
                "Exit code 1 when the runtime cannot be reached or refuses (a time in its past), 2 on invalid usage."})
final class ClockAdvanceCommand extends RuntimeCommand {
    static final class Target {
        @Parameters(paramLabel = "DURATION", description = "How far: e.g. 32d, 1d12h, 90m, 45s, P32D, PT1H.")
        String duration;

        @Option(names = "--to", paramLabel = "TIME",
                description = "Where to: 2027-01-01T00:00:00Z, 2027-01-01 (midnight UTC) or seconds since the epoch.")
        String to;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Override
    int run(RuntimeClient runtime) {
        ObjectNode body = new ObjectMapper().createObjectNode();
        if (target.duration != null) {
            body.put("seconds", parseDuration(target.duration).toSeconds());
        } else {
            body.put("to", parseTime(target.to).getEpochSecond());
        }
        JsonNode answer = runtime.advanceClock(body);
        out().printf("Clock advanced from %s to %s; the schedules it passed have run and the system is idle.%n",
                iso(answer.get("previous").asLong()), iso(answer.get("clock").asLong()));
        return 0;
    }

    /**
     * @param text e.g. {@code 32d}, {@code 1d12h}, {@code PT1H}
     * @return the duration, more than zero
     * @throws ParameterException when malformed or not positive
     */
    Duration parseDuration(String text) {
        return TimeArguments.duration(spec, text);
    }

    private Instant parseTime(String text) {
        return TimeArguments.time(spec, text);
    }
}
