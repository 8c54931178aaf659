package dev.tally.invoice;

import dev.tally.config.Env;
import dev.tally.credit.CreditBalance;
import dev.tally.credit.CreditConflictException;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.CreditStore;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.GrantSource;
import dev.tally.credit.LedgerEntry;
import dev.tally.store.TallyTables;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link DynamoDbCreditStore} and {@link CreditLedger} on the template's credits table: a grant and an entry are
 * written once per cause, an entry only against the remaining amount it was computed from, the expiry index holds
 * exactly the grants with something left to expire, and the balance view. Every test has its own account.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DynamoDbCreditStoreIT {
    static final long T = 1_772_323_200L; // 2026-03-01T00:00:00Z

    private DynamoDbCreditStore store;
    private CreditLedger ledger;

    /** The backend to run against: a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        store = new TallyTables(backend().dynamoDb(), Env.of(backend().functionEnvironment("InvoiceGeneratorFunction"))).creditStore();
        ledger = new CreditLedger(store);
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @Test
    void aGrantIsRecordedOnceWithItsGrantEntry() {
        String account = TallyFixtures.uniqueId("org");
        CreditGrant grant = new CreditGrant("cg_launch", account, "eur", 2_500, 20, T, T + 86_400, GrantSource.PROMOTIONAL,
                "ops", "Launch offer", "ana", T - 60);

        assertThat(ledger.grant(grant)).isEqualTo(CreditStore.Outcome.APPLIED);
        assertThat(ledger.grant(grant)).isEqualTo(CreditStore.Outcome.ALREADY_APPLIED);

        assertThat(store.grant(account, "cg_launch")).contains(new GrantBalance(grant, 2_500));
        assertThat(store.grants(account)).containsExactly(new GrantBalance(grant, 2_500));
        assertThat(store.entries(account)).containsExactly(LedgerEntry.granted(grant));
        assertThat(store.grant(account, "cg_nothing")).isEmpty();
    }

    @Test
    void anEntryIsWrittenOncePerCauseAndOnlyAgainstTheRemainderItWasComputedFrom() {
        String account = TallyFixtures.uniqueId("org");
        CreditGrant grant = TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_a", account, "usd", 1_000, 50, T, null));
        LedgerEntry first = LedgerEntry.drawdown(grant, 1_000, 300, "tin_1", T + 10);

        assertThat(store.commit(List.of(first))).isEqualTo(CreditStore.Outcome.APPLIED);
        assertThat(store.commit(List.of(first))).as("the same invoice again").isEqualTo(CreditStore.Outcome.ALREADY_APPLIED);
        // Planned on the 1000 read before the first drawdown: refused, nothing written.
        LedgerEntry stale = LedgerEntry.drawdown(grant, 1_000, 900, "tin_2", T + 20);
        assertThatThrownBy(() -> store.commit(List.of(stale))).isInstanceOf(CreditConflictException.class);

        assertThat(store.grant(account, "cg_a").orElseThrow().remainingMinor()).isEqualTo(700L);
        assertThat(store.entries(account)).extracting(LedgerEntry::entryId)
                .containsExactlyInAnyOrder("cg_a:grant", "cg_a:drawdown:tin_1");
        assertThatThrownBy(() -> store.commit(List.of(first, LedgerEntry.drawdown(grant, 700, 1, "tin_3", T))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRevocationTakesBackAtMostWhatIsLeftOncePerReference() {
        String account = TallyFixtures.uniqueId("org");
        CreditGrant grant = TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_r", account, "usd", 1_000, 50, T, null));
        assertThat(store.commit(List.of(LedgerEntry.drawdown(grant, 1_000, 600, "tin_1", T + 10)))).isEqualTo(CreditStore.Outcome.APPLIED);

        Optional<LedgerEntry> revoked = ledger.revoke(account, "cg_r", 1_000, "re_1", "Refunded", T + 20);
        Optional<LedgerEntry> again = ledger.revoke(account, "cg_r", 1_000, "re_1", "Refunded", T + 30);

        assertThat(revoked).get().satisfies(e -> {
            assertThat(e.type()).isEqualTo(LedgerEntry.Type.REVOCATION);
            assertThat(e.amountMinor()).as("only the unused 400").isEqualTo(-400L);
            assertThat(e.reference()).isEqualTo("re_1");
            assertThat(e.remainingAfterMinor()).isZero();
        });
        assertThat(again).isEqualTo(revoked);
        assertThat(ledger.revoke(account, "cg_r", 50, "re_2", "Refunded", T + 40)).as("nothing left").isEmpty();
        assertThat(store.grant(account, "cg_r").orElseThrow().remainingMinor()).isZero();
        assertThatThrownBy(() -> ledger.revoke(account, "cg_missing", 1, "re_3", "x", T)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("account " + account + " has no credit grant cg_missing");
    }

    @Test
    void theExpiryIndexHoldsTheGrantsWithAnExpiryAndSomethingLeft() {
        String account = TallyFixtures.uniqueId("org");
        long expiry = T + 1_000_000_000L; // far from every other test's grants
        CreditGrant soon = TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_soon", account, "usd", 100, 50, T, expiry));
        TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_later", account, "usd", 100, 50, T, expiry + 10));
        TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_never", account, "usd", 100, 50, T, null));

        assertThat(mine(store.expiringBy(expiry, false), account)).containsExactly("cg_soon");
        assertThat(mine(store.expiringBy(expiry + 10, false), account)).containsExactly("cg_soon", "cg_later");
        assertThat(store.markExpiryWarned(account, "cg_later", T)).isTrue();
        assertThat(mine(store.expiringBy(expiry + 10, false), account)).containsExactly("cg_soon");
        assertThat(mine(store.expiringBy(expiry + 10, true), account)).containsExactly("cg_later");
        // drawn to zero: nothing left to expire, out of the index
        assertThat(store.commit(List.of(LedgerEntry.drawdown(soon, 100, 100, "tin_1", T)))).isEqualTo(CreditStore.Outcome.APPLIED);
        assertThat(mine(store.expiringBy(expiry + 10, false), account)).isEmpty();
        assertThat(store.markExpiryWarned(account, "cg_soon", T)).isFalse();
    }

    @Test
    void theBalanceViewShowsEachGrantsStatusAndWhatIsAvailablePerCurrency() {
        String account = TallyFixtures.uniqueId("org");
        long now = T + 10 * 86_400;
        TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_active", account, "usd", 1_000, 50, T, null));
        TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_lapsed", account, "usd", 500, 50, T, now - 1));
        TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_future", account, "usd", 700, 50, now + 1, null));
        TallyFixtures.seedGrant(backendTables(), TallyFixtures.creditGrant("cg_yen", account, "jpy", 3_000, 50, T, null));

        List<CreditBalance> balances = ledger.balances(account, now);

        assertThat(balances).extracting(CreditBalance::currency).containsExactly("jpy", "usd");
        CreditBalance usd = balances.get(1);
        assertThat(usd.grants()).extracting(g -> g.grant().grantId(), g -> g.status(now))
                .containsExactly(tuple("cg_lapsed", GrantBalance.Status.EXPIRED), tuple("cg_active", GrantBalance.Status.ACTIVE),
                        tuple("cg_future", GrantBalance.Status.PENDING));
        assertThat(usd.availableMinor()).isEqualTo(1_000L);
        assertThat(usd.activeGrantedMinor()).isEqualTo(1_000L);
        assertThat(balances.get(0).availableMinor()).isEqualTo(3_000L);
        assertThat(ledger.balance(account, "eur", now).availableMinor()).isZero();
    }

    private TallyTables backendTables() {
        return new TallyTables(backend().dynamoDb(), Env.of(backend().functionEnvironment("InvoiceGeneratorFunction")));
    }

    private static List<String> mine(List<GrantBalance> grants, String account) {
        return grants.stream().filter(g -> g.grant().accountId().equals(account)).map(g -> g.grant().grantId()).toList();
    }
}
