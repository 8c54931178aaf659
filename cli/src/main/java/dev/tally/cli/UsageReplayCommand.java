package dev.tally.cli;

import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.usage.RejectionReason;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tally usage replay}: sends rejected usage events back to the usage queue, where they go through ingestion
 * again (an event already counted is not counted twice: its id is). Each rejection's stored {@code body} is sent as
 * one message (SendMessageBatch, at most 10 messages and {@value OpsCommand#MAX_BATCH_BYTES} bytes per call); after SQS accepted it,
 * the rejection's {@code replayedAt} is set (seconds since the epoch). Rejections already replayed are skipped
 * unless {@code --again}. An event rejected again gets a new rejection (new message id); the old one keeps its
 * {@code replayedAt}.
 *
 * <p>The target queue is resolved and checked to exist first, also for {@code --dry-run}: nothing is read or sent
 * when it is missing. Exit code 1 when the queue is missing, a rejection id is unknown (nothing is sent then), or
 * SQS refused some messages (those are not marked and can be replayed again).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Sends rejected usage events to the usage queue again, once their cause is fixed (e.g. the "
                + "account now exists). Marks each as replayed after SQS accepted it; skips those already replayed "
                + "unless --again. An event already counted is not counted twice."})
final class UsageReplayCommand extends OpsCommand {
    static final class Selection {
        @Option(names = "--reason", required = true, paramLabel = "REASON",
                description = "Every rejection with this reason: ${COMPLETION-CANDIDATES}.")
        RejectionReason reason;

        @Option(names = "--rejection", required = true, arity = "1..*", paramLabel = "ID",
                description = "These rejections (ids as listed by `tally usage rejections`).")
        List<String> rejectionIds;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selection selection;

    @Option(names = "--account", paramLabel = "ID", description = "Only rejections of this account id.")
    String account;

    @Option(names = "--again", description = "Also send rejections already replayed.")
    boolean again;

    @Option(names = "--dry-run", description = "List what would be sent (after checking the queue exists); send and change nothing.")
    boolean dryRun;

    @Option(names = "--queue-url", paramLabel = "URL",
            description = "Queue to send to: a URL, or a queue name. Default: ${DEFAULT-VALUE} "
                    + "(with --aws, pass the deployed queue's URL).")
    String queue = "UsageQueue";

    @Override
    List<String> tablesUsed() {
        return List.of("USAGE_REJECTIONS_TABLE");
    }

    @Override
    int run() {
        try (DynamoDbClient ddb = connection.dynamoDb(); SqsClient sqs = connection.sqs()) {
            String queueUrl = existingQueue(sqs, queue, "the usage queue, --queue-url");
            TallyTables tables = connection.tables(ddb);
            List<UsageRejectionItem> matching = select(tables);
            List<UsageRejectionItem> toSend = matching.stream().filter(r -> again || r.replayedAt == null).toList();
            int skipped = matching.size() - toSend.size();
            String skippedNote = skipped == 0 ? "" : "; " + skipped + " already replayed, skipped (--again sends "
                    + (skipped == 1 ? "it" : "them") + ")";

            if (dryRun) {
                if (!toSend.isEmpty()) {
                    TextTable table = new TextTable("REJECTION ID", "REASON", "EVENT ID", "ACCOUNT", "BODY");
                    toSend.forEach(r -> table.row(r.rejectionId, r.reason, r.eventId, r.accountId, r.bodyText()));
                    table.print(out(), "");
                }
                out().printf("Dry run: would send %d of %s to %s%s.%n",
                        toSend.size(), Words.count(matching.size(), "matching rejection"), queueUrl, skippedNote);
                return 0;
            }

            int sent = 0;
            List<String> problems = new ArrayList<>();
            toSend.stream().filter(r -> r.bodyText() == null || r.bodyText().isEmpty() || Boolean.TRUE.equals(r.bodyTruncated))
                    .forEach(r -> problems.add(r.rejectionId + " has no complete body to send (empty, or cut to fit its item): skipped"));
            List<UsageRejectionItem> sendable = toSend.stream().filter(r -> r.bodyText() != null && !r.bodyText().isEmpty() && !Boolean.TRUE.equals(r.bodyTruncated)).toList();
            for (List<UsageRejectionItem> batch : chunks(sendable, r -> r.bodyText().getBytes(StandardCharsets.UTF_8).length)) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                            .messageBody(batch.get(i).bodyText()).build());
                }
                SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
                for (BatchResultErrorEntry failed : response.failed()) {
                    UsageRejectionItem r = batch.get(Integer.parseInt(failed.id()));
                    problems.add(r.rejectionId + " not sent: " + failed.code() + " " + failed.message());
                }
                long now = clock.instant().getEpochSecond();
                for (SendMessageBatchResultEntry ok : response.successful()) {
                    UsageRejectionItem r = batch.get(Integer.parseInt(ok.id()));
                    sent++;
                    try {
                        markReplayed(tables, r.rejectionId, now);
                    } catch (ConditionalCheckFailedException e) {
                        problems.add(r.rejectionId + " sent, but it was deleted meanwhile: not marked");
                    }
                }
            }
            out().printf("Sent %d of %s to %s%s.%n", sent, Words.count(matching.size(), "matching rejection"), queueUrl,
                    skippedNote);
            problems.forEach(p -> err().println(spec.qualifiedName() + ": " + p));
            return problems.isEmpty() ? 0 : 1;
        }
    }

    private List<UsageRejectionItem> select(TallyTables tables) {
        if (selection.reason != null) {
            return UsageCommand.scan(tables, selection.reason, account);
        }
        List<UsageRejectionItem> found = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String id : selection.rejectionIds.stream().distinct().toList()) {
            UsageRejectionItem r = tables.usageRejections.getItem(g -> g.key(k -> k.partitionValue(id)).consistentRead(true));
            if (r == null) {
                unknown.add(id);
            } else if (account == null || account.equals(r.accountId)) {
                found.add(r);
            }
        }
        if (!unknown.isEmpty()) {
            throw new Failure("no rejection " + String.join(", ", unknown) + "; nothing sent");
        }
        found.sort(UsageCommand.OLDEST_FIRST);
        return found;
    }

    private static void markReplayed(TallyTables tables, String rejectionId, long now) {
        tables.client.updateItem(u -> u.tableName(tables.usageRejections.tableName())
                .key(Map.of("rejectionId", AttributeValue.fromS(rejectionId)))
                .updateExpression("SET replayedAt = :now")
                .conditionExpression("attribute_exists(rejectionId)")
                .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now)))));
    }
}
