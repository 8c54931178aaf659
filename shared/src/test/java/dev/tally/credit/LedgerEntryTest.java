package dev.tally.credit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link CreditGrant} and {@link LedgerEntry}: ids from their causes, signs by type, and what is refused. */
class LedgerEntryTest {
    static final long T = 1_772_323_200L;
    static final CreditGrant PROMO = new CreditGrant("cg_promo", "org_a", "usd", 2_000, 20, T, T + 30 * 86_400L,
            GrantSource.PROMOTIONAL, "ops", "Launch offer", "ana", T);

    @Test
    void entryIdsDeriveFromTheirCauseAndCarryTheRunningRemainder() {
        LedgerEntry granted = LedgerEntry.granted(PROMO);
        assertThat(granted).isEqualTo(new LedgerEntry("cg_promo:grant", "org_a", "cg_promo", "usd", LedgerEntry.Type.GRANT,
                2_000, 2_000, null, null, "Promotional credit cg_promo (Launch offer)", T));
        LedgerEntry drawn = LedgerEntry.drawdown(PROMO, 2_000, 750, "tin_org_a_1", T + 60);
        assertThat(drawn.entryId()).isEqualTo("cg_promo:drawdown:tin_org_a_1");
        assertThat(drawn.amountMinor()).isEqualTo(-750);
        assertThat(drawn.remainingAfterMinor()).isEqualTo(1_250);
        assertThat(drawn.remainingBeforeMinor()).isEqualTo(2_000);
        LedgerEntry expired = LedgerEntry.expiry(PROMO, 1_250);
        assertThat(expired.entryId()).isEqualTo("cg_promo:expiry");
        assertThat(expired.amountMinor()).isEqualTo(-1_250);
        assertThat(expired.remainingAfterMinor()).isZero();
        assertThat(expired.at()).as("dated at the grant's expiry").isEqualTo(T + 30 * 86_400L);
        LedgerEntry revoked = LedgerEntry.revocation(PROMO, 1_250, 1_000, "re_123", "refunded", T + 120);
        assertThat(revoked.entryId()).isEqualTo("cg_promo:revocation:re_123");
        assertThat(revoked.reference()).isEqualTo("re_123");
        assertThat(revoked.remainingAfterMinor()).isEqualTo(250);
    }

    @Test
    void anEntryCannotTakeAGrantBelowZeroOrHaveTheWrongSign() {
        assertThatThrownBy(() -> LedgerEntry.drawdown(PROMO, 500, 501, "tin_x", T)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("below zero");
        assertThatThrownBy(() -> LedgerEntry.drawdown(PROMO, 500, 0, "tin_x", T)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wrong sign");
        assertThatThrownBy(() -> new LedgerEntry("x", "org_a", "cg_promo", "usd", LedgerEntry.Type.GRANT, -5, 0, null, null, null, T))
                .hasMessageContaining("wrong sign");
        assertThatThrownBy(() -> new LedgerEntry("x", "org_a", "cg_promo", "usd", LedgerEntry.Type.EXPIRY, -5, 0, "tin_x", null, null, T))
                .hasMessageContaining("only a drawdown, names its invoice");
    }

    @Test
    void aGrantIsRefusedWithTheFieldThatIsWrong() {
        assertThatThrownBy(() -> new CreditGrant("cg_x", "org_a", "usd", 0, 50, T, null, GrantSource.PROMOTIONAL, "ops", "r", "ana", T))
                .hasMessage("a credit grant must be positive, was 0");
        assertThatThrownBy(() -> new CreditGrant("cg_x", "org_a", "usd", 10, 101, T, null, GrantSource.PROMOTIONAL, "ops", "r", "ana", T))
                .hasMessage("priority must be 0 to 100 (lower is drawn first), was 101");
        assertThatThrownBy(() -> new CreditGrant("cg_x", "org_a", "USD", 10, 50, T, null, GrantSource.PROMOTIONAL, "ops", "r", "ana", T))
                .hasMessage("currency must be a lowercase ISO 4217 code, was USD");
        assertThatThrownBy(() -> new CreditGrant("cg_x", "org_a", "usd", 10, 50, T, T, GrantSource.PROMOTIONAL, "ops", "r", "ana", T))
                .hasMessageStartingWith("a credit grant must expire after it takes effect");
        assertThatThrownBy(() -> new CreditGrant("cg_x", "org_a", "usd", 10, 50, T, null, GrantSource.PROMOTIONAL, "ops", " ", "ana", T))
                .hasMessage("a credit grant needs a reason");
        assertThatThrownBy(() -> new CreditGrant("cg:x", "org_a", "usd", 10, 50, T, null, GrantSource.PROMOTIONAL, "ops", "r", "ana", T))
                .hasMessageStartingWith("grant id must be");
    }

    @Test
    void aGrantAppliesFromItsEffectiveSecondUntilBeforeItsExpirySecond() {
        assertThat(PROMO.appliesAt(T - 1)).isFalse();
        assertThat(PROMO.appliesAt(T)).isTrue();
        assertThat(PROMO.appliesAt(T + 30 * 86_400L - 1)).isTrue();
        assertThat(PROMO.appliesAt(T + 30 * 86_400L)).isFalse();
        assertThat(new GrantBalance(PROMO, 5).status(T + 30 * 86_400L)).isEqualTo(GrantBalance.Status.EXPIRED);
        assertThat(new GrantBalance(PROMO, 5).availableMinor(T - 1)).isZero();
        assertThat(GrantSource.parse("Goodwill")).isEqualTo(GrantSource.GOODWILL);
        assertThat(CreditGrant.purchaseGrantId("cs_test_a1")).isEqualTo("cg_cs_test_a1");
        assertThat(CreditGrant.newGrantId()).matches("cg_[0-9a-f]{24}");
    }
}
