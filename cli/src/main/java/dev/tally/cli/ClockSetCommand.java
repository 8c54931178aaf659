package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;

/**
 * {@code tally clock set TIME}: moves the running runtime's clock to a time, like setting a Stripe test clock's
 * {@code frozen_time}; only forward. The schedules it passes fire and the command returns when the system is idle.
 * {@code TIME}: ISO-8601 UTC, a date (midnight UTC) or seconds since the epoch ({@link InstantConverter}). Exit code 2
 * for a malformed time, 1 when the runtime refuses (a time in its past) or cannot be reached.
 */
@Command(name = "set", mixinStandardHelpOptions = true,
        description = {"Moves the local runtime's clock to TIME (never back), lets the schedules it passes fire and "
                + "waits until the system is idle.",
                "TIME: 2027-01-01T00:00:00Z, 2027-01-01 (midnight UTC) or seconds since the epoch.",
                "Exit code 1 when the runtime cannot be reached or refuses (a time in its past), 2 on invalid usage."})
final class ClockSetCommand extends RuntimeCommand {
    @Parameters(paramLabel = "TIME", converter = InstantConverter.class,
            description = "Where to: 2027-01-01T00:00:00Z, 2027-01-01 (midnight UTC) or seconds since the epoch.")
    Instant time;

    @Override
    int run(RuntimeClient runtime) {
        ObjectNode body = new ObjectMapper().createObjectNode().put("to", time.getEpochSecond());
        JsonNode answer = runtime.advanceClock(body);
        out().printf("Clock set from %s to %s; the schedules it passed have run and the system is idle.%n",
                iso(answer.get("previous").asLong()), iso(answer.get("clock").asLong()));
        return 0;
    }
}
