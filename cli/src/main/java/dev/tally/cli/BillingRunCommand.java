package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/**
 * {@code tally billing run}: fires the billing-run function's schedule now (its scheduled time is the runtime's
 * clock), and returns once the invoice jobs it queued have been processed. The schedule also fires by itself every
 * hour, and whenever {@code tally clock advance} passes one of its times.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs billing now on the local runtime: queues one invoice job per subscription period that "
                + "has closed (grace period included) and waits until they are invoiced.",
                "Periods end on the runtime's clock: `tally clock advance` moves it past a period's end.",
                "Exit code 1 when the runtime cannot be reached or the run failed."})
final class BillingRunCommand extends RuntimeCommand {
    /** The template's logical id of the billing-run function. */
    static final String FUNCTION = "BillingRunFunction";

    @Override
    int run(RuntimeClient runtime) {
        JsonNode answer = runtime.runSchedule(FUNCTION);
        long jobs = answer.path("result").asLong();
        out().printf("Billing run at %s: %s queued and processed. `tally invoices` lists the invoices.%n",
                iso(answer.get("clock").asLong()), Words.count(jobs, "invoice job"));
        return 0;
    }
}
