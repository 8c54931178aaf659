package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.usage.RejectionReason;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Instant;
import java.util.List;

/**
 * {@code tally usage rejections}: lists rejected usage events, newest first: rejection id ({@code <SQS message
 * id>#<index>}), when it was received and replayed (ISO-8601 UTC), reason, event id, account and the detail; with
 * {@code --json}, one JSON object per line with the same fields (times in seconds since the epoch) plus the
 * {@code body} that a replay would send.
 */
@Command(name = "rejections", mixinStandardHelpOptions = true,
        description = {"Lists usage events that were not counted, newest first, with the reason.",
                "Exit code 1 when the table cannot be read, 2 on invalid usage."})
final class UsageRejectionsCommand extends OpsCommand {
    @Option(names = "--reason", paramLabel = "REASON",
            description = "Only this reason: ${COMPLETION-CANDIDATES}.")
    RejectionReason reason;

    @Option(names = "--account", paramLabel = "ID", description = "Only this account id.")
    String account;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "Show at most N (the newest). 0 shows all. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--json", description = "One JSON object per line, with the event's body.")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return List.of("USAGE_REJECTIONS_TABLE");
    }

    @Override
    int run() {
        if (limit < 0) {
            throw new ParameterException(spec.commandLine(), "--limit must be 0 (all) or more");
        }
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            TallyTables tables = connection.tables(ddb);
            List<UsageRejectionItem> found = UsageCommand.scan(tables, reason, account).reversed();
            List<UsageRejectionItem> shown = limit == 0 || found.size() <= limit ? found : found.subList(0, limit);
            if (json) {
                for (UsageRejectionItem r : shown) {
                    out().println(jsonLine(toJson(r)));
                }
            } else {
                TextTable table = new TextTable("REJECTION ID", "RECEIVED AT", "REASON", "EVENT ID", "ACCOUNT",
                        "REPLAYED AT", "DETAIL");
                for (UsageRejectionItem r : shown) {
                    table.row(r.rejectionId, iso(r.receivedAt), r.reason, r.eventId, r.accountId, iso(r.replayedAt), r.detail);
                }
                if (table.size() == 0) {
                    out().println("No rejected usage events" + (reason != null || account != null ? " match." : "."));
                } else {
                    table.print(out(), "");
                }
            }
            if (shown.size() < found.size()) {
                err().printf("%d of %s shown (newest first); --limit 0 shows all.%n", shown.size(),
                        Words.count(found.size(), "rejection"));
            }
        }
        return 0;
    }

    static ObjectNode toJson(UsageRejectionItem r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("rejectionId", r.rejectionId);
        node.put("receivedAt", r.receivedAt);
        node.put("reason", r.reason);
        node.put("eventId", r.eventId);
        node.put("accountId", r.accountId);
        node.put("detail", r.detail);
        node.put("messageId", r.messageId);
        node.put("replayedAt", r.replayedAt);
        node.put("body", r.bodyText());
        return node;
    }

    static String iso(Long epochSeconds) {
        return epochSeconds == null ? null : Instant.ofEpochSecond(epochSeconds).toString();
    }
}
