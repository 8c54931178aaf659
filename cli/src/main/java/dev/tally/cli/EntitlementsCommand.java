package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.entitlement.DynamoDbEntitlementStore;
import dev.tally.entitlement.EntitlementRecord;
import dev.tally.entitlement.EntitlementServices;
import dev.tally.entitlement.Entitlements;
import dev.tally.entitlement.EntitlementsJson;
import dev.tally.metrics.Metrics;
import dev.tally.money.Currencies;
import dev.tally.store.TallyTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.List;
import java.util.Optional;

/**
 * {@code tally entitlements ACCOUNT [--json]}: what an account may use now (plan, features, quantity limits and what
 * usage beyond them gets, prepaid credit, dunning state and next step) and its dunning history with causes. Reads the
 * entitlements table ({@code ENTITLEMENTS_TABLE}); an account known but never computed is derived on the fly (version
 * 0), like {@code GET /entitlements/{account}}. {@code --json} prints {@link EntitlementsJson}'s object plus
 * {@code history}. Exit code 1 for an account Tally does not know.
 */
@Command(name = "entitlements", mixinStandardHelpOptions = true,
        description = {"Shows what an account may use now: plan, features, limits, prepaid credit, dunning state and history.",
                "Exit code 1 for an unknown account or when the tables cannot be read, 2 on invalid usage."})
final class EntitlementsCommand extends OpsCommand {

    @Parameters(paramLabel = "ACCOUNT", description = "The account, e.g. org_acme.")
    String account;

    @Option(names = "--json", description = "One JSON object: minor units, epoch seconds.")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return List.of("ENTITLEMENTS_TABLE", "ACCOUNTS_TABLE", "SUBSCRIPTIONS_TABLE", "CREDITS_TABLE");
    }

    @Override
    int run() {
        long now = clock.instant().getEpochSecond();
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            TallyTables tables = connection.tables(ddb);
            String table = connection.tableName("ENTITLEMENTS_TABLE");
            Optional<Entitlements> current = EntitlementServices.create(connection.env(), tables, Metrics.NONE, false).current(account, now);
            if (current.isEmpty()) {
                throw new Failure("no account " + account + " (Tally knows an account once Stripe's customer.created reached it)");
            }
            List<EntitlementRecord.HistoryEntry> history = new DynamoDbEntitlementStore(ddb, table).find(account)
                    .map(EntitlementRecord::history).orElse(List.of());
            Entitlements e = current.get();
            if (json) {
                ObjectNode node = EntitlementsJson.toNode(e);
                ArrayNode h = node.putArray("history");
                history.forEach(x -> h.addObject().put("at", x.at()).put("from", x.from()).put("to", x.to()).put("cause", x.cause())
                        .put("cause_id", x.causeId()).put("description", x.description()));
                out().println(jsonLine(node));
                return 0;
            }
            print(e, history);
        }
        return 0;
    }

    private void print(Entitlements e, List<EntitlementRecord.HistoryEntry> history) {
        out().println("Entitlements of " + e.accountId() + " at " + RuntimeCommand.iso(e.updatedAt())
                + (e.version() == 0 ? " (derived now, never stored)" : " (version " + e.version() + ")"));
        out().println("  Plan:      " + (e.planId() == null ? "none" : e.planId()));
        out().println("  Access:    " + (e.accessAllowed() ? "allowed" : "suspended"));
        out().println("  Features:  " + (e.features().isEmpty() ? "none" : String.join(", ", e.features())));
        out().println("  Dunning:   " + e.dunningState().wire()
                + (e.dunningSince() > 0 ? " since " + RuntimeCommand.iso(e.dunningSince()) : "")
                + (e.nextDunningStepAt() == null ? "" : ", next step at " + RuntimeCommand.iso(e.nextDunningStepAt()))
                + " (while restricted, usage beyond included quantities is " + (e.restrictedUsage().wire().equals("refuse") ? "refused" : "flagged") + ")");
        out().println("  Prepaid:   " + (e.prepaidMinor().isEmpty() ? "none"
                : String.join(", ", e.prepaidMinor().entrySet().stream().map(b -> Currencies.format(b.getValue(), b.getKey()) + " available").toList())));
        if (!e.limits().isEmpty()) {
            out().println();
            TextTable limits = new TextTable("METER", ">INCLUDED PER PERIOD", "OVERAGE", "BEYOND INCLUDED NOW");
            e.limits().forEach(l -> limits.row(l.meter(), l.quantityPerPeriod().toPlainString(), l.overageAllowed() ? "allowed" : "not allowed",
                    l.beyondIncluded().wire()));
            limits.print(out(), "  ");
        }
        if (!history.isEmpty()) {
            out().println();
            out().println("Dunning history");
            TextTable t = new TextTable("AT", "FROM", "TO", "CAUSE");
            history.forEach(x -> t.row(RuntimeCommand.iso(x.at()), x.from(), x.to(), x.description()));
            t.print(out(), "  ");
        }
    }
}
