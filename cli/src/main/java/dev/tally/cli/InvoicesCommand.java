package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.money.Currencies;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.InvoiceStore;
import dev.tally.store.TallyTables;
import dev.tally.stripesync.DynamoDbStripeSyncStore;
import dev.tally.stripesync.SyncState;
import dev.tally.stripesync.SyncStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tally invoices}: lists invoices by account, then period: id, account, status, period (ISO-8601 UTC, start
 * inclusive .. end exclusive), currency, subtotal, prepaid credits applied (negative: they reduce the total) and total,
 * amounts in major units with the currency code ({@link Currencies#format}); with {@code --json}, one JSON object per
 * line, as stored (amounts in integer minor units, times in seconds since the epoch, lines included).
 * {@code tally invoices show ID} prints one invoice with its lines ({@link InvoiceShowCommand}), {@code preview} the
 * next one as it stands ({@link InvoicePreviewCommand}), {@code resync} retries a Stripe sync
 * ({@link InvoiceResyncCommand}).
 *
 * <p>{@code --status S} filters: an invoice status ({@code draft}, {@code open}, {@code paid}, {@code uncollectible},
 * {@code void}); {@code failed}, the drafts whose rating failed (from the sparse {@code by-attention} index); or a
 * Stripe sync state ({@code pending}, {@code stripe_draft}, {@code synced}, {@code recorded}, {@code skipped},
 * {@code sync_failed}), listed with the sync's attempts, last attempt, Stripe invoice and the reason of the last
 * failure ({@code --json} adds the sync state as {@code sync}); that reads every sync state (the stripe-sync table has
 * no index by status).
 */
@Command(name = "invoices", mixinStandardHelpOptions = true,
        description = {"Lists invoices (all, or one account's), by account and period; --status filters by invoice "
                + "status, failed rating, or Stripe sync state (e.g. sync_failed, with the reason).",
                "Exit code 1 when the table cannot be read, 2 on invalid usage."},
        subcommands = {InvoiceShowCommand.class, InvoicePreviewCommand.class, InvoiceResyncCommand.class})
final class InvoicesCommand extends InvoiceTableCommand {
    private static final Comparator<Invoice> BY_ACCOUNT_AND_PERIOD = Comparator
            .comparing(Invoice::accountId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(Invoice::periodStart)
            .thenComparing(Invoice::invoiceId);
    /** The {@code --status} value that lists drafts whose rating failed. */
    private static final String FAILED = "failed";
    /** The {@code --status} value of the Stripe sync state {@link SyncStatus#DRAFT} ({@code draft} is the invoice's). */
    private static final String STRIPE_DRAFT = "stripe_draft";

    @Spec
    CommandSpec spec;

    @Option(names = "--account", paramLabel = "ID", description = "Only this account's invoices.")
    String account;

    @Option(names = "--status", paramLabel = "STATUS",
            description = "Only invoices in this status: draft, open, paid, uncollectible, void; failed (drafts whose "
                    + "rating failed); or whose Stripe sync is pending, stripe_draft, synced, recorded, skipped or sync_failed.")
    String status;

    @Option(names = "--json", description = "One JSON object per line, as stored (minor units, epoch seconds).")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return syncStatus() == null ? super.tablesUsed() : List.of("INVOICES_TABLE", "INVOICE_LINES_TABLE", "STRIPE_SYNC_TABLE");
    }

    @Override
    int run(TallyTables tables) {
        SyncStatus sync = syncStatus();
        if (sync != null) {
            return listBySyncStatus(tables, sync);
        }
        InvoiceStatus wanted = status == null || FAILED.equals(status) ? null : invoiceStatus(status);
        InvoiceStore store = store(tables);
        List<Invoice> invoices = new ArrayList<>();
        if (FAILED.equals(status)) {
            store.failedDrafts(1000).forEach(i -> store.find(i.invoiceId()).ifPresent(invoices::add));
            invoices.removeIf(i -> account != null && !account.equals(i.accountId()));
        } else if (account == null) {
            // Every header (a scan): an operator's listing on the local runtime, never part of a billing step.
            tables.invoices.scan().items().forEach(h -> store.find(h.invoiceId).ifPresent(invoices::add));
        } else {
            invoices.addAll(store.ofAccount(account, Long.MIN_VALUE, Long.MAX_VALUE));
        }
        if (wanted != null) {
            invoices.removeIf(i -> i.status() != wanted);
        }
        invoices.sort(BY_ACCOUNT_AND_PERIOD);
        if (json) {
            invoices.forEach(i -> out().println(jsonLine(toJson(i))));
            return 0;
        }
        if (invoices.isEmpty()) {
            out().println((account == null ? "No invoices" : "No invoices for account " + account)
                    + (status == null ? "" : " with status " + status) + ".");
            return 0;
        }
        TextTable table = new TextTable("INVOICE ID", "ACCOUNT", "STATUS", "PERIOD", "CURRENCY", ">SUBTOTAL",
                ">CREDITS APPLIED", ">TOTAL");
        for (Invoice i : invoices) {
            table.row(i.invoiceId(), i.accountId(), i.failureReason() != null ? "draft (rating failed)" : i.status().wireName(),
                    period(i), upper(i.currency()), money(i.subtotalMinor(), i.currency()),
                    creditsApplied(i.creditsAppliedMinor(), i.currency()), money(i.totalMinor(), i.currency()));
        }
        table.print(out(), "");
        return 0;
    }

    /** @return the Stripe sync state {@code --status} names, or null when it names no sync state */
    private SyncStatus syncStatus() {
        if (status == null || FAILED.equals(status) || isInvoiceStatus(status)) {
            return null;
        }
        if (STRIPE_DRAFT.equals(status)) {
            return SyncStatus.DRAFT;
        }
        try {
            return SyncStatus.fromWire(status);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "unknown status '" + status + "': give draft, open, paid, "
                    + "uncollectible, void, failed, or a Stripe sync state: pending, stripe_draft, synced, recorded, "
                    + "skipped, sync_failed");
        }
    }

    private static boolean isInvoiceStatus(String s) {
        try {
            InvoiceStatus.fromWire(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static InvoiceStatus invoiceStatus(String s) {
        return InvoiceStatus.fromWire(s);
    }

    // ---- Stripe sync state (tally invoices --status sync_failed)

    private int listBySyncStatus(TallyTables tables, SyncStatus syncStatus) {
        InvoiceStore store = store(tables);
        List<Invoice> invoices = new ArrayList<>();
        Map<String, SyncState> states = new HashMap<>();
        for (SyncState state : new DynamoDbStripeSyncStore(tables).withStatus(syncStatus)) {
            store.find(state.invoiceId()).filter(i -> account == null || account.equals(i.accountId())).ifPresent(i -> {
                invoices.add(i);
                states.put(i.invoiceId(), state);
            });
        }
        invoices.sort(BY_ACCOUNT_AND_PERIOD);
        if (json) {
            for (Invoice i : invoices) {
                SyncState s = states.get(i.invoiceId());
                ObjectNode node = toJson(i);
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
        for (Invoice i : invoices) {
            SyncState s = states.get(i.invoiceId());
            table.row(i.invoiceId(), i.accountId(), period(i), money(i.totalMinor(), i.currency()), s.status().wireName(),
                    s.attempts(), UsageRejectionsCommand.iso(s.lastAttemptAt()), s.stripeInvoiceId(), s.lastError());
        }
        table.print(out(), "");
        if (syncStatus == SyncStatus.SYNC_FAILED) {
            out().println();
            out().println("Fix the reason, then `tally invoices resync INVOICE_ID` (docs/runbooks/stripe-sync-failed.md).");
        }
        return 0;
    }
}
