package dev.tally.credit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link DrawdownPlanner}: which grants an invoice draws from, in which order, and how much; and the invariants that
 * hold for any grants and any amount due (jqwik): never more than due or available, never below zero, in order.
 */
class DrawdownPlannerTest {
    static final long FEB = 1_769_904_000L;  // 2026-02-01T00:00:00Z
    static final long MAR = 1_772_323_200L;  // 2026-03-01T00:00:00Z
    static final long APR = 1_775_001_600L;  // 2026-04-01T00:00:00Z
    static final long AT = MAR + 3_600;      // the invoice's time

    static CreditGrant grant(String id, long amount, int priority, long effectiveAt, Long expiresAt, String currency, long createdAt) {
        return new CreditGrant(id, "org_a", currency, amount, priority, effectiveAt, expiresAt, GrantSource.PROMOTIONAL,
                "ops", "test " + id, "tester", createdAt);
    }

    static GrantBalance held(CreditGrant g, long remaining) {
        return new GrantBalance(g, remaining);
    }

    @Test
    void drawsByPriorityThenSoonestExpiryWithNeverExpiringLastThenOldest() {
        GrantBalance purchased = held(grant("cg_purchased", 1_000, 50, FEB, null, "usd", FEB), 1_000);
        GrantBalance promoApril = held(grant("cg_promo_apr", 500, 50, FEB, APR, "usd", FEB), 500);
        GrantBalance promoMarch10 = held(grant("cg_promo_mar10", 300, 50, FEB, MAR + 9 * 86_400, "usd", FEB), 120);
        GrantBalance goodwillFirst = held(grant("cg_goodwill", 200, 10, FEB, null, "usd", FEB), 200);
        GrantBalance olderPurchase = held(grant("cg_older", 400, 50, FEB - 86_400, null, "usd", FEB - 86_400), 400);

        Drawdown d = DrawdownPlanner.plan("org_a", "usd", 1_500, "tin_org_a_1", AT,
                List.of(purchased, promoApril, promoMarch10, goodwillFirst, olderPurchase));

        // priority 10 first; then among priority 50 the soonest expiry (Mar 10, Apr 1); never-expiring last, oldest first
        assertThat(d.entries()).extracting(LedgerEntry::grantId)
                .containsExactly("cg_goodwill", "cg_promo_mar10", "cg_promo_apr", "cg_older", "cg_purchased");
        assertThat(d.entries()).extracting(LedgerEntry::amountMinor).containsExactly(-200L, -120L, -500L, -400L, -280L);
        assertThat(d.entries()).extracting(LedgerEntry::remainingAfterMinor).containsExactly(0L, 0L, 0L, 0L, 720L);
        assertThat(d.appliedMinor()).isEqualTo(1_500L);
        assertThat(d.entries()).allSatisfy(e -> {
            assertThat(e.type()).isEqualTo(LedgerEntry.Type.DRAWDOWN);
            assertThat(e.invoiceId()).isEqualTo("tin_org_a_1");
            assertThat(e.at()).isEqualTo(AT);
            assertThat(e.entryId()).isEqualTo(e.grantId() + ":drawdown:tin_org_a_1");
        });
    }

    @Test
    void onlyGrantsInTheCurrencyEffectiveAndNotExpiredAtTheInvoicesTimeWithSomethingLeftAreDrawn() {
        GrantBalance expiredAtTheSecond = held(grant("cg_expired", 900, 0, FEB, AT, "usd", FEB), 900);
        GrantBalance notYet = held(grant("cg_later", 900, 0, AT + 1, null, "usd", FEB), 900);
        GrantBalance otherCurrency = held(grant("cg_eur", 900, 0, FEB, null, "eur", FEB), 900);
        GrantBalance usedUp = held(grant("cg_used", 900, 0, FEB, null, "usd", FEB), 0);
        GrantBalance fromTheSecond = held(grant("cg_now", 700, 90, AT, AT + 1, "usd", FEB), 700);

        Drawdown d = DrawdownPlanner.plan("org_a", "usd", 5_000, "tin_x", AT,
                List.of(expiredAtTheSecond, notYet, otherCurrency, usedUp, fromTheSecond));

        assertThat(d.entries()).extracting(LedgerEntry::grantId).containsExactly("cg_now");
        assertThat(d.appliedMinor()).as("what is available, the rest is overage").isEqualTo(700L);
    }

    @Test
    void nothingDueOrNothingAvailableDrawsNothing() {
        GrantBalance g = held(grant("cg_a", 100, 50, FEB, null, "usd", FEB), 100);
        assertThat(DrawdownPlanner.plan("org_a", "usd", 0, "tin_x", AT, List.of(g)))
                .isEqualTo(Drawdown.none("org_a", "usd", "tin_x"));
        assertThat(DrawdownPlanner.plan("org_a", "usd", -5, "tin_x", AT, List.of(g)).appliedMinor()).isZero();
        assertThat(DrawdownPlanner.plan("org_a", "usd", 500, "tin_x", AT, List.of()).entries()).isEmpty();
    }

    @Test
    void invoiceLinesAreOnePerGrantNegativeAndNameTheGrant() {
        GrantBalance promo = held(grant("cg_promo", 300, 10, FEB, APR, "usd", FEB), 300);
        GrantBalance bought = held(new CreditGrant("cg_cs_test_1", "org_a", "usd", 5_000, 50, FEB, null, GrantSource.PURCHASE,
                "cs_test_1", "Prepaid credits bought in Checkout cs_test_1", "stripe", FEB), 5_000);

        Drawdown d = DrawdownPlanner.plan("org_a", "usd", 1_000, "tin_x", AT, List.of(bought, promo));

        assertThat(d.invoiceLines()).containsExactly(
                new Drawdown.CreditLine("credit:cg_promo", "cg_promo", -300, "Promotional credit cg_promo (test cg_promo)"),
                new Drawdown.CreditLine("credit:cg_cs_test_1", "cg_cs_test_1", -700,
                        "Prepaid credit cg_cs_test_1 (Prepaid credits bought in Checkout cs_test_1)"));
        assertThat(Drawdown.CreditLine.TYPE).isEqualTo("credit");
    }

    @Test
    void oneInvoiceDrawsFromAtMostTheTransactionsShareOfGrants() {
        List<GrantBalance> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(held(grant(String.format("cg_%02d", i), 10, 50, FEB + i, null, "usd", FEB), 10));
        }
        Drawdown d = DrawdownPlanner.plan("org_a", "usd", 1_000, "tin_x", AT, many);
        assertThat(d.entries()).hasSize(DrawdownPlanner.MAX_GRANTS_PER_DRAWDOWN);
        assertThat(d.appliedMinor()).isEqualTo(10L * DrawdownPlanner.MAX_GRANTS_PER_DRAWDOWN);
        assertThat(d.entries().get(0).grantId()).isEqualTo("cg_00");
    }

    @Test
    void aDrawdownWhoseEntriesDoNotAddUpIsRefused() {
        CreditGrant g = grant("cg_a", 100, 50, FEB, null, "usd", FEB);
        LedgerEntry e = LedgerEntry.drawdown(g, 100, 40, "tin_x", AT);
        assertThatThrownBy(() -> new Drawdown("org_a", "usd", "tin_x", 50, List.of(e)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("add up to 40, not 50");
        assertThatThrownBy(() -> new Drawdown("org_a", "usd", "tin_y", 40, List.of(e)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a drawdown of tin_y");
    }

    // ------------------------------------------------------------------------------------------------ properties

    @Property(tries = 500)
    void neverMoreThanDueOrAvailableNeverBelowZeroInOrder(@ForAll("grants") List<GrantBalance> grants,
                                                          @ForAll @LongRange(min = -100, max = 20_000) long due,
                                                          @ForAll @LongRange(min = FEB - 86_400, max = APR + 86_400) long at) {
        Drawdown d = DrawdownPlanner.plan("org_a", "usd", due, "tin_p", at, grants);
        List<GrantBalance> applicable = DrawdownPlanner.applicable(grants, "usd", at);
        long available = applicable.stream().mapToLong(GrantBalance::remainingMinor).sum();

        assertThat(d.appliedMinor()).isEqualTo(Math.min(Math.max(due, 0), available));
        assertThat(d.entries()).hasSizeLessThanOrEqualTo(applicable.size());
        Map<String, GrantBalance> byId = grants.stream().collect(Collectors.toMap(g -> g.grant().grantId(), Function.identity()));
        assertThat(new HashSet<>(d.entries().stream().map(LedgerEntry::grantId).toList())).hasSize(d.entries().size());
        for (int i = 0; i < d.entries().size(); i++) {
            LedgerEntry e = d.entries().get(i);
            GrantBalance g = byId.get(e.grantId());
            assertThat(g.grant().appliesAt(at)).isTrue();
            assertThat(g.grant().currency()).isEqualTo("usd");
            assertThat(e.amountMinor()).isNegative();
            assertThat(e.remainingBeforeMinor()).isEqualTo(g.remainingMinor());
            assertThat(e.remainingAfterMinor()).isBetween(0L, g.remainingMinor());
            // the drawdown takes applicable grants in order, each but the last drawn to zero
            assertThat(e.grantId()).isEqualTo(applicable.get(i).grant().grantId());
            if (i < d.entries().size() - 1) {
                assertThat(e.remainingAfterMinor()).isZero();
            }
        }
    }

    @Provide
    Arbitrary<List<GrantBalance>> grants() {
        Arbitrary<GrantBalance> one = Combinators.combine(
                Arbitraries.longs().between(1, 5_000),
                Arbitraries.integers().between(0, 100),
                Arbitraries.longs().between(FEB - 86_400, APR),
                Arbitraries.longs().between(1, 90 * 86_400L).injectNull(0.4),
                Arbitraries.of("usd", "eur"),
                Arbitraries.doubles().between(0, 1)
        ).as((amount, priority, effective, life, currency, used) -> {
            CreditGrant g = grant("cg_" + Long.toHexString(Double.doubleToLongBits(used) ^ effective ^ amount),
                    amount, priority, effective, life == null ? null : effective + life, currency, effective);
            return held(g, (long) (amount * (1 - used)));
        });
        return one.list().ofMaxSize(12).uniqueElements(g -> g.grant().grantId());
    }
}
