package dev.tally.cli;

import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.usage.RejectionReason;
import picocli.CommandLine.Command;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.model.ScanEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code tally usage}: an account's usage ({@link UsageShowCommand}), the usage events Tally did not count (rejections) and sending them again once their cause is
 * fixed. Only groups {@link UsageRejectionsCommand} and {@link UsageReplayCommand}; run alone it is a usage error.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Usage: show an account's usage; list rejected events, replay them.",
        subcommands = {UsageShowCommand.class, UsageRejectionsCommand.class, UsageReplayCommand.class})
final class UsageCommand extends CommandGroup {

    /** Oldest first, ties by id: the order events are replayed in. */
    static final Comparator<UsageRejectionItem> OLDEST_FIRST = Comparator
            .comparing((UsageRejectionItem r) -> r.receivedAt == null ? 0L : r.receivedAt)
            .thenComparing(r -> r.rejectionId);

    /**
     * Every rejection matching the filters, read with a strongly consistent scan of the whole table (filters are
     * applied by DynamoDB but still read every item: cost grows with the table).
     *
     * @param tables the tables
     * @param reason keep only this reason, or null for all
     * @param account keep only this account, or null for all
     * @return the rejections, oldest first
     */
    static List<UsageRejectionItem> scan(TallyTables tables, RejectionReason reason, String account) {
        List<String> conditions = new ArrayList<>();
        Expression.Builder filter = Expression.builder();
        if (reason != null) {
            conditions.add("#reason = :reason");
            filter.putExpressionName("#reason", "reason").putExpressionValue(":reason", AttributeValue.fromS(reason.name()));
        }
        if (account != null) {
            conditions.add("#account = :account");
            filter.putExpressionName("#account", "accountId").putExpressionValue(":account", AttributeValue.fromS(account));
        }
        ScanEnhancedRequest.Builder request = ScanEnhancedRequest.builder().consistentRead(true);
        if (!conditions.isEmpty()) {
            request.filterExpression(filter.expression(String.join(" AND ", conditions)).build());
        }
        List<UsageRejectionItem> found = new ArrayList<>(tables.usageRejections.scan(request.build()).items().stream().toList());
        found.sort(OLDEST_FIRST);
        return found;
    }
}
