package dev.tally.billingrun;

import dev.tally.invoice.InvoiceJob;
import dev.tally.store.Indexes;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Finds the billing periods that have closed and asks for one invoice per subscription-period.
 *
 * <p>The work list is the {@code by-period-end} index: subscriptions with {@code billingState = active#<shard>}
 * ({@link SubscriptionItem#WORK_LIST_SHARDS} index partitions, each read with one paged query) whose unbilled period
 * ended at least the grace period ago (late usage still counts until then). One job per such
 * subscription; running twice queues the same jobs again, which the invoice generator recognises. A subscription
 * several periods behind catches up one period per run.
 */
public final class BillingRunService {
    private static final Logger LOG = LoggerFactory.getLogger(BillingRunService.class);

    /**
     * Jobs handed to the sink at a time: the shards' pages are gathered so that the queue sends full batches of ten
     * (SQS's SendMessageBatch limit) rather than a short batch per shard.
     */
    private static final int SINK_BATCH = 500;

    private final TallyTables tables;
    private final long gracePeriodSeconds;

    /**
     * @param tables bound tables
     * @param gracePeriodSeconds seconds after a period's end before it is invoiced, non-negative
     */
    public BillingRunService(TallyTables tables, long gracePeriodSeconds) {
        if (gracePeriodSeconds < 0) {
            throw new IllegalArgumentException("grace period must not be negative");
        }
        this.tables = tables;
        this.gracePeriodSeconds = gracePeriodSeconds;
    }

    /**
     * @param runTime the run's time (the schedule's event time)
     * @param sink receives each job, e.g. {@link SqsInvoiceJobQueue#send}
     * @return the jobs emitted
     */
    public List<InvoiceJob> run(Instant runTime, Consumer<List<InvoiceJob>> sink) {
        long cutoff = runTime.getEpochSecond() - gracePeriodSeconds;
        List<InvoiceJob> jobs = new ArrayList<>();
        List<InvoiceJob> pending = new ArrayList<>();
        for (int shard = 0; shard < SubscriptionItem.WORK_LIST_SHARDS; shard++) {
            String partition = SubscriptionItem.activeShard(shard);
            tables.subscriptions.index(Indexes.BY_PERIOD_END)
                    .query(r -> r.queryConditional(QueryConditional.sortLessThanOrEqualTo(
                            Key.builder().partitionValue(partition).sortValue(cutoff).build())))
                    .stream()
                    .forEach(page -> {
                        page.items().forEach(s -> pending.add(new InvoiceJob(s.subscriptionId, s.accountId, s.periodStart, s.periodEnd)));
                        if (pending.size() >= SINK_BATCH) {
                            flush(pending, jobs, sink);
                        }
                    });
        }
        flush(pending, jobs, sink);
        LOG.info("billing run at {}: {} closed periods queued (cutoff {})", runTime, jobs.size(), cutoff);
        return jobs;
    }

    private static void flush(List<InvoiceJob> pending, List<InvoiceJob> jobs, Consumer<List<InvoiceJob>> sink) {
        if (!pending.isEmpty()) {
            List<InvoiceJob> batch = List.copyOf(pending);
            pending.clear();
            sink.accept(batch);
            jobs.addAll(batch);
        }
    }
}
