package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.money.Currencies;
import dev.tally.store.Indexes;
import dev.tally.store.InvoiceItem;
import dev.tally.store.TallyTables;
import dev.tally.stripesync.DynamoDbStripeSyncStore;
import dev.tally.stripesync.SyncState;
import dev.tally.stripesync.SyncStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.enhanced.dynamodb.model.Page;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code tally invoices}: lists invoices by account, then period: id, account, period (ISO-8601 UTC, start inclusive
 * .. end exclusive), currency, subtotal, prepaid credits applied (negative: they reduce the total) and total, amounts in major units with the currency
 * code ({@link Currencies#format}); with {@code --json}, one JSON object per line, as stored (amounts in integer
 * minor units, times in seconds since the epoch, lines included). {@code tally invoices show ID} prints one invoice
 * with its lines ({@link InvoiceShowCommand}).
 *
 * <p>{@code --status S} lists the invoices whose Stripe sync is in state {@code S} instead (a {@link SyncStatus}
 * wire name, e.g. {@code sync_failed}): id, account, period, total, sync status, attempts, last attempt, Stripe
 * invoice and the reason of the last failure; {@code --json} adds the sync state as {@code sync}. It reads every sync
 * state (the stripe-sync table has no index by status). {@code tally invoices resync ID} retries one
 * ({@link InvoiceResyncCommand}).
 */
@Command(name = "invoices", mixinStandardHelpOptions = true,
        description = {"Lists invoices (all, or one account's), by account and period; with --status, those whose "
                + "Stripe sync is in that state (e.g. sync_failed) with the reason.",
                "Exit code 1 when the table cannot be read."},
        subcommands = {InvoiceShowCommand.class, InvoiceResyncCommand.class})
final class InvoicesCommand extends InvoiceTableCommand {
    private static final Comparator<InvoiceItem> BY_ACCOUNT_AND_PERIOD = Comparator
            .comparing((InvoiceItem i) -> i.accountId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(i -> i.periodStart, Comparator.nullsFirst(Comparator.naturalOrder()));

    @Option(names = "--account", paramLabel = "ID", description = "Only this account's invoices.")
    String account;

    @Option(names = "--json", description = "One JSON object per line, as stored (minor units, epoch seconds).")
    boolean json;

    @Option(names = "--status", paramLabel = "STATUS", converter = SyncStatusConverter.class,
            description = "Only invoices whose Stripe sync is in this state: pending, draft, synced, recorded, skipped "
                    + "or sync_failed.")
    SyncStatus syncStatus;

    @Override
    List<String> tablesUsed() {
        return syncStatus == null ? super.tablesUsed() : List.of("INVOICES_TABLE", "STRIPE_SYNC_TABLE");
    }

    @Override
    int run(TallyTables tables) {
        if (syncStatus != null) {
            return listBySyncStatus(tables);
        }
        List<InvoiceItem> invoices = new ArrayList<>();
        if (account == null) {
            tables.invoices.scan().items().forEach(invoices::add);
        } else {
            for (Page<InvoiceItem> page : tables.invoices.index(Indexes.BY_ACCOUNT)
                    .query(QueryConditional.keyEqualTo(k -> k.partitionValue(account)))) {
                invoices.addAll(page.items());
            }
        }
        invoices.sort(BY_ACCOUNT_AND_PERIOD);
        if (json) {
            invoices.forEach(i -> out().println(jsonLine(toJson(i))));
            return 0;
        }
        if (invoices.isEmpty()) {
            out().println(account == null ? "No invoices." : "No invoices for account " + account + ".");
            return 0;
        }
        TextTable table = new TextTable("INVOICE ID", "ACCOUNT", "PERIOD", "CURRENCY", ">SUBTOTAL",
                ">CREDITS APPLIED", ">TOTAL");
        for (InvoiceItem i : invoices) {
            table.row(i.invoiceId, i.accountId, period(i), upper(i.currency), money(i.subtotalMinor, i.currency),
                    creditsApplied(i.creditsAppliedMinor, i.currency), money(i.totalMinor, i.currency));
        }
        table.print(out(), "");
        return 0;
    }

    // ---- Stripe sync status (tally invoices --status)

    private int listBySyncStatus(TallyTables tables) {
        List<InvoiceItem> invoices = new ArrayList<>();
        java.util.Map<String, SyncState> states = new java.util.HashMap<>();
        for (SyncState state : new DynamoDbStripeSyncStore(tables).withStatus(syncStatus)) {
            InvoiceItem i = tables.invoices.getItem(g -> g.key(k -> k.partitionValue(state.invoiceId())).consistentRead(true));
            if (i != null && (account == null || account.equals(i.accountId))) {
                invoices.add(i);
                states.put(i.invoiceId, state);
            }
        }
        invoices.sort(BY_ACCOUNT_AND_PERIOD);
        if (json) {
            for (InvoiceItem i : invoices) {
                SyncState s = states.get(i.invoiceId);
                ObjectNode node = JSON.createObjectNode().put("invoiceId", i.invoiceId).put("accountId", i.accountId)
                        .put("periodStart", i.periodStart).put("periodEnd", i.periodEnd).put("currency", i.currency)
                        .put("totalMinor", i.totalMinor);
                node.putObject("sync").put("status", s.status().wireName()).put("stripeInvoiceId", s.stripeInvoiceId())
                        .put("attempts", s.attempts()).put("keyGeneration", s.keyGeneration())
                        .put("lastError", s.lastError()).put("lastAttemptAt", s.lastAttemptAt())
                        .put("nextAttemptAt", s.nextAttemptAt()).put("updatedAt", s.updatedAt());
                out().println(jsonLine(node));
            }
            return 0;
        }
        if (invoices.isEmpty()) {
            out().println("No invoices with Stripe sync status " + syncStatus.wireName()
                    + (account == null ? "." : " for account " + account + "."));
            return 0;
        }
        TextTable table = new TextTable("INVOICE ID", "ACCOUNT", "PERIOD", ">TOTAL", "SYNC", ">ATTEMPTS", "LAST ATTEMPT",
                "STRIPE INVOICE", "REASON");
        for (InvoiceItem i : invoices) {
            SyncState s = states.get(i.invoiceId);
            table.row(i.invoiceId, i.accountId, period(i), money(i.totalMinor, i.currency), s.status().wireName(),
                    s.attempts(), UsageRejectionsCommand.iso(s.lastAttemptAt()), s.stripeInvoiceId(), s.lastError());
        }
        table.print(out(), "");
        if (syncStatus == SyncStatus.SYNC_FAILED) {
            out().println();
            out().println("Fix the reason, then `tally invoices resync INVOICE_ID` (docs/runbooks/stripe-sync-failed.md).");
        }
        return 0;
    }

    /** {@link SyncStatus#fromWire}, as picocli's converter: an unknown name is invalid usage (exit code 2). */
    static final class SyncStatusConverter implements CommandLine.ITypeConverter<SyncStatus> {
        @Override
        public SyncStatus convert(String value) {
            try {
                return SyncStatus.fromWire(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
