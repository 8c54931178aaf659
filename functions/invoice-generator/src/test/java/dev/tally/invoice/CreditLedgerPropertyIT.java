package dev.tally.invoice;

import dev.tally.config.Env;
import dev.tally.credit.CreditExpiry;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.Drawdown;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.EmbeddedBackend;
import dev.tally.testsupport.FaultInjectingDynamoDb;
import dev.tally.testsupport.TallyFixtures;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The credit ledger's invariant under any sequence of drawdowns (two at once, too), expiries and revocations, with
 * DynamoDB calls failing at random before they are sent or after they were applied (a crash between the write and
 * its answer), each failed step retried as the functions retry it: every grant's remaining amount equals the sum of
 * its ledger entries and stays between zero and its amount, every invoice's drawdown entries add up to what the
 * invoice records and never exceed what it owed, no grant is drawn outside its effective time, and every grant past
 * its expiry is left at zero. Drawdowns are written as the invoice generator writes them: in one transaction with an
 * invoice item (put if absent), planned again when a grant changed meanwhile.
 *
 * <p>Runs on DynamoDB Local only: the jqwik engine does not honour Testcontainers' JUnit extension, so a LocalStack
 * variant could not skip itself without Docker; {@link DynamoDbCreditStoreIT} runs on both.
 */
class CreditLedgerPropertyIT {
    static final long T0 = 1_772_323_200L; // 2026-03-01T00:00:00Z
    static final int ATTEMPTS = 30;
    private static final AwsBackend BACKEND = new EmbeddedBackend();
    private static TallyTables tables;

    @BeforeContainer
    static void provision() {
        BACKEND.provision();
        tables = new TallyTables(BACKEND.dynamoDb(), Env.of(BACKEND.functionEnvironment("InvoiceGeneratorFunction")));
    }

    @AfterContainer
    static void close() {
        BACKEND.close();
    }

    /** A grant to seed: amount, priority, offset of its expiry from T0 (null: none). */
    record GrantSpec(long amount, int priority, Long expiresIn) {
    }

    /** A step: a drawdown of {@code amount} ({@code parallel}: two invoices at once), an expiry run, a revocation. */
    record Step(String kind, long amount, long at, boolean parallel, int grant) {
    }

    @Property(tries = 25)
    void entriesAlwaysAddUpToWhatIsLeftAndNothingGoesBelowZero(@ForAll("grants") List<GrantSpec> specs,
                                                                @ForAll("steps") List<Step> steps,
                                                                @ForAll boolean crashAfterTheWrite,
                                                                @ForAll Random random) {
        String account = TallyFixtures.uniqueId("org_prop");
        List<CreditGrant> grants = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            GrantSpec g = specs.get(i);
            grants.add(TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_" + i, account, "usd", g.amount(),
                    g.priority(), T0 - 86_400, g.expiresIn() == null ? null : T0 + g.expiresIn())));
        }
        // A third of the writes fail, before DynamoDB sees them or after it applied them.
        DynamoDbFault faults = DynamoDbFault.on("TransactWriteItems").where(r -> random.nextInt(3) == 0).times(1_000_000);
        if (crashAfterTheWrite) {
            faults.afterCall();
        }
        DynamoDbClient faulty = FaultInjectingDynamoDb.wrap(BACKEND.dynamoDb(), faults);
        DynamoDbCreditStore store = new DynamoDbCreditStore(faulty, tables.creditsTable);
        Map<String, Long> owed = new HashMap<>();
        long lastExpiryRun = Long.MIN_VALUE;
        int invoice = 0;
        for (Step step : steps) {
            switch (step.kind()) {
                case "draw" -> {
                    String first = "tin_" + account + "_" + invoice++;
                    owed.put(first, step.amount());
                    if (step.parallel()) {
                        String second = "tin_" + account + "_" + invoice++;
                        owed.put(second, step.amount() / 2 + 1);
                        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> invoice(store, faulty, account, second,
                                step.amount() / 2 + 1, step.at()));
                        invoice(store, faulty, account, first, step.amount(), step.at());
                        other.join();
                    } else {
                        invoice(store, faulty, account, first, step.amount(), step.at());
                    }
                }
                case "expire" -> {
                    CreditExpiry expiry = new CreditExpiry(store, 86_400);
                    for (int a = 1; a <= ATTEMPTS && !attemptExpiry(expiry, step.at()); a++) {
                        assertThat(a).as("expiry kept failing").isLessThan(ATTEMPTS);
                    }
                    lastExpiryRun = Math.max(lastExpiryRun, step.at());
                }
                default -> {
                    CreditGrant g = grants.get(step.grant() % grants.size());
                    retry(() -> new CreditLedger(store).revoke(account, g.grantId(), step.amount(), "re_" + step.at(), "refund", step.at()));
                }
            }
        }

        // What the clean client reads back.
        Map<String, Long> sums = new HashMap<>();
        List<LedgerEntry> entries = tables.creditStore().entries(account);
        entries.forEach(e -> sums.merge(e.grantId(), e.amountMinor(), Long::sum));
        for (GrantBalance g : tables.creditStore().grants(account)) {
            assertThat(g.remainingMinor()).as(g.grant().grantId()).isEqualTo(sums.get(g.grant().grantId()))
                    .isBetween(0L, g.grant().amountMinor());
            if (g.grant().expiredAt(lastExpiryRun)) {
                assertThat(g.remainingMinor()).as("expired " + g.grant().grantId()).isZero();
            }
        }
        for (LedgerEntry e : entries) {
            CreditGrant g = grants.get(Integer.parseInt(e.grantId().substring(3)));
            if (e.type() == LedgerEntry.Type.DRAWDOWN) {
                assertThat(g.appliesAt(e.at())).as(e.entryId()).isTrue();
            }
        }
        owed.forEach((invoiceId, max) -> {
            long drawn = -entries.stream().filter(e -> invoiceId.equals(e.invoiceId())).mapToLong(LedgerEntry::amountMinor).sum();
            Map<String, AttributeValue> item = tables.client.getItem(r -> r.tableName(tables.invoices.tableName()).consistentRead(true)
                    .key(Map.of("invoiceId", AttributeValue.fromS(invoiceId)))).item();
            assertThat(Long.parseLong(item.get("creditsAppliedMinor").n())).as(invoiceId).isEqualTo(drawn);
            assertThat(drawn).isBetween(0L, max);
        });
    }

    /**
     * Writes an invoice item with its drawdown as {@code InvoiceService} does: one transaction, the invoice put if
     * absent; a grant that changed means plan again; a failed call is retried (the invoice's presence says it was done).
     */
    private static void invoice(DynamoDbCreditStore store, DynamoDbClient client, String account, String invoiceId, long max, long at) {
        CreditLedger ledger = new CreditLedger(store);
        for (int attempt = 1; ; attempt++) {
            assertThat(attempt).as("invoice " + invoiceId + " kept failing").isLessThanOrEqualTo(ATTEMPTS);
            try {
                Drawdown d = ledger.planDrawdown(account, "usd", max, invoiceId, at);
                List<TransactWriteItem> items = new ArrayList<>();
                items.add(TransactWriteItem.builder().put(Put.builder().tableName(tables.invoices.tableName())
                        .item(Map.of("invoiceId", AttributeValue.fromS(invoiceId), "accountId", AttributeValue.fromS(account),
                                "creditsAppliedMinor", AttributeValue.fromN(Long.toString(d.appliedMinor()))))
                        .conditionExpression("attribute_not_exists(invoiceId)").build()).build());
                items.addAll(store.drawdownItems(d));
                client.transactWriteItems(r -> r.transactItems(items));
                return;
            } catch (TransactionCanceledException e) {
                if (Transactions.conditionFailed(e, 0)) {
                    return; // written by an attempt whose answer was lost
                }
                assertThat(Transactions.conflict(e) || Transactions.conditionFailedFrom(e, 1)).as(e.toString()).isTrue();
            } catch (SdkException e) {
                assertThat(e.getMessage()).startsWith(DynamoDbFault.MESSAGE);
            }
        }
    }

    private static boolean attemptExpiry(CreditExpiry expiry, long at) {
        try {
            return expiry.run(at).failures().isEmpty();
        } catch (SdkException e) {
            return false;
        }
    }

    private static void retry(Runnable step) {
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                return;
            } catch (SdkException | dev.tally.credit.CreditConflictException e) {
                assertThat(attempt).as("kept failing: " + e).isLessThan(ATTEMPTS);
            }
        }
    }

    @Provide
    Arbitrary<List<GrantSpec>> grants() {
        return Combinators.combine(Arbitraries.longs().between(1, 3_000), Arbitraries.integers().between(0, 100).edgeCases(c -> c.add(50)),
                        Arbitraries.longs().between(0, 10 * 86_400L).injectNull(0.4))
                .as(GrantSpec::new).list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(Arbitraries.of("draw", "draw", "draw", "expire", "revoke"),
                        Arbitraries.longs().between(1, 4_000), Arbitraries.longs().between(0, 12 * 86_400L),
                        Arbitraries.of(true, false), Arbitraries.integers().between(0, 4))
                .as((kind, amount, offset, parallel, grant) -> new Step(kind, amount, T0 + offset, parallel, grant));
        return step.list().ofMinSize(1).ofMaxSize(8)
                .map(list -> list.stream().sorted(java.util.Comparator.comparingLong(Step::at)).toList());
    }
}
