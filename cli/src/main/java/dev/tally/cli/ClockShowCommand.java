package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code tally clock show}: the runtime's time, ISO-8601 UTC, then its seconds since the epoch. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Prints the local runtime's time (UTC) and whether it ticks with real time.",
                "Exit code 1 when the runtime cannot be reached."})
final class ClockShowCommand extends RuntimeCommand {
    @Override
    int run(RuntimeClient runtime) {
        JsonNode info = runtime.runtime();
        long now = info.get("clock").asLong();
        out().printf("%s (%d seconds since the epoch; %s)%n", iso(now), now,
                info.path("ticking").asBoolean() ? "ticking" : "frozen");
        return 0;
    }
}
