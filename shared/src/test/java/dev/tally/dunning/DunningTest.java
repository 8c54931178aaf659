package dev.tally.dunning;

import dev.tally.payment.PaymentState;

import dev.tally.dunning.DunningTransition.Cause;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.tally.dunning.DunningState.ACTIVE;
import static dev.tally.dunning.DunningState.PAST_DUE;
import static dev.tally.dunning.DunningState.RESTRICTED;
import static dev.tally.dunning.DunningState.SUSPENDED;
import static org.assertj.core.api.Assertions.assertThat;

class DunningTest {
    static final DunningPolicy POLICY = DunningPolicy.DEFAULT; // past_due 0, restricted 7, suspended 21
    static final long DAY = 86_400;
    static final long T0 = 1_790_000_000L;

    static PaymentFact failed(String invoice, int attempt, long at) {
        return new PaymentFact(invoice, "org_a", PaymentState.PAYMENT_FAILED, attempt, at, at);
    }

    static PaymentFact paid(String invoice, long at) {
        return new PaymentFact(invoice, "org_a", PaymentState.PAID, 2, null, at);
    }

    @Test
    void aFailedPaymentMakesAnActiveAccountPastDue() {
        Dunning.Result r = Dunning.apply(POLICY, DunningStatus.ACTIVE, failed("in_1", 1, T0), T0 + 5);

        assertThat(r.transitions()).containsExactly(new DunningTransition(ACTIVE, PAST_DUE, T0 + 5, Cause.PAYMENT_FAILED,
                "payment_failed:in_1:1", "payment failed for invoice in_1 (attempt 1)"));
        assertThat(r.status()).isEqualTo(new DunningStatus(PAST_DUE, T0 + 5, Map.of("in_1", T0), Map.of("in_1", T0)));
        assertThat(r.newFailures()).containsExactly(new Dunning.FailedAttempt("in_1", 1, T0));
        assertThat(Dunning.nextStepAt(POLICY, r.status())).isEqualTo(T0 + 7 * DAY);
    }

    @Test
    void daysOnTheClockRestrictThenSuspendAndAPaymentRestoresActive() {
        DunningStatus pastDue = Dunning.apply(POLICY, DunningStatus.ACTIVE, failed("in_1", 1, T0), T0).status();

        assertThat(Dunning.clock(POLICY, pastDue, T0 + 7 * DAY - 1).transitions()).isEmpty();
        Dunning.Result restricted = Dunning.clock(POLICY, pastDue, T0 + 7 * DAY);
        assertThat(restricted.transitions()).containsExactly(new DunningTransition(PAST_DUE, RESTRICTED, T0 + 7 * DAY,
                Cause.DAYS_ELAPSED, "days_elapsed:restricted:" + T0, "7 days since the first unpaid payment failure"));
        assertThat(Dunning.nextStepAt(POLICY, restricted.status())).isEqualTo(T0 + 21 * DAY);

        // A second attempt fails meanwhile: an alert, no transition, the first failure still counts.
        Dunning.Result second = Dunning.apply(POLICY, restricted.status(), failed("in_1", 2, T0 + 10 * DAY), T0 + 10 * DAY);
        assertThat(second.transitions()).isEmpty();
        assertThat(second.newFailures()).containsExactly(new Dunning.FailedAttempt("in_1", 2, T0 + 10 * DAY));
        assertThat(second.status().unpaid()).containsExactly(Map.entry("in_1", T0));

        Dunning.Result suspended = Dunning.clock(POLICY, second.status(), T0 + 21 * DAY + 60);
        assertThat(suspended.transitions()).extracting(DunningTransition::from, DunningTransition::to, DunningTransition::causeId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(RESTRICTED, SUSPENDED, "days_elapsed:suspended:" + T0));
        assertThat(Dunning.nextStepAt(POLICY, suspended.status())).isNull();

        Dunning.Result back = Dunning.apply(POLICY, suspended.status(), paid("in_1", T0 + 22 * DAY), T0 + 22 * DAY);
        assertThat(back.transitions()).containsExactly(new DunningTransition(SUSPENDED, ACTIVE, T0 + 22 * DAY,
                Cause.PAYMENT_RECEIVED, "payment_received:in_1:" + (T0 + 22 * DAY), "payment received for invoice in_1"));
        assertThat(back.status().state()).isEqualTo(ACTIVE);
        assertThat(back.status().unpaid()).isEmpty();
        assertThat(Dunning.nextStepAt(POLICY, back.status())).isNull();
    }

    @Test
    void aLateClockEntersEachDueStepInOrder() {
        DunningStatus pastDue = Dunning.apply(POLICY, DunningStatus.ACTIVE, failed("in_1", 1, T0), T0).status();

        assertThat(Dunning.clock(POLICY, pastDue, T0 + 30 * DAY).transitions())
                .extracting(DunningTransition::from, DunningTransition::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(PAST_DUE, RESTRICTED),
                        org.assertj.core.groups.Tuple.tuple(RESTRICTED, SUSPENDED));
    }

    @Test
    void staleAndRepeatedFactsChangeNothing() {
        DunningStatus afterPaid = Dunning.apply(POLICY,
                Dunning.apply(POLICY, DunningStatus.ACTIVE, failed("in_1", 1, T0), T0).status(), paid("in_1", T0 + 100), T0 + 100).status();

        Dunning.Result stale = Dunning.apply(POLICY, afterPaid, failed("in_1", 1, T0), T0 + 200);
        assertThat(stale.transitions()).isEmpty();
        assertThat(stale.newFailures()).isEmpty();
        assertThat(stale.status()).isEqualTo(afterPaid);

        Dunning.Result again = Dunning.apply(POLICY, afterPaid, paid("in_1", T0 + 100), T0 + 300);
        assertThat(again.transitions()).isEmpty();
        assertThat(again.status()).isEqualTo(afterPaid);
    }

    @Test
    void activeReturnsOnlyWhenEveryUnpaidInvoiceIsPaidOrVoided() {
        DunningStatus s = Dunning.apply(POLICY, DunningStatus.ACTIVE, failed("in_1", 1, T0), T0).status();
        s = Dunning.apply(POLICY, s, failed("in_2", 1, T0 + DAY), T0 + DAY).status();
        assertThat(s.firstUnpaidFailureAt()).isEqualTo(T0);

        Dunning.Result onePaid = Dunning.apply(POLICY, s, paid("in_1", T0 + 2 * DAY), T0 + 2 * DAY);
        assertThat(onePaid.transitions()).isEmpty();
        assertThat(onePaid.status().state()).isEqualTo(PAST_DUE);
        assertThat(Dunning.nextStepAt(POLICY, onePaid.status())).as("counted from in_2's failure now").isEqualTo(T0 + 8 * DAY);

        Dunning.Result uncollectible = Dunning.apply(POLICY, onePaid.status(),
                new PaymentFact("in_2", "org_a", PaymentState.UNCOLLECTIBLE, 4, T0 + DAY, T0 + 3 * DAY), T0 + 3 * DAY);
        assertThat(uncollectible.status().unpaid()).containsOnlyKeys("in_2");

        Dunning.Result voided = Dunning.apply(POLICY, uncollectible.status(),
                new PaymentFact("in_2", "org_a", PaymentState.VOID, 4, null, T0 + 4 * DAY), T0 + 4 * DAY);
        assertThat(voided.transitions()).extracting(DunningTransition::to, DunningTransition::cause, DunningTransition::causeId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ACTIVE, Cause.INVOICE_VOIDED, "invoice_voided:in_2:" + (T0 + 4 * DAY)));
    }

    @Test
    void aPaymentOfAnInvoiceThatNeverFailedChangesNothing() {
        Dunning.Result r = Dunning.apply(POLICY, DunningStatus.ACTIVE, paid("in_9", T0), T0);
        assertThat(r.transitions()).isEmpty();
        assertThat(r.status().state()).isEqualTo(ACTIVE);
    }

    @Test
    void aPolicyWithAGraceBeforePastDueWaitsForTheClock() {
        DunningPolicy later = new DunningPolicy(List.of(new DunningPolicy.Step(PAST_DUE, 3)), DunningPolicy.RestrictedUsage.REFUSE);
        Dunning.Result r = Dunning.apply(later, DunningStatus.ACTIVE, failed("in_1", 1, T0), T0);
        assertThat(r.transitions()).isEmpty();
        assertThat(Dunning.nextStepAt(later, r.status())).isEqualTo(T0 + 3 * DAY);
        assertThat(Dunning.clock(later, r.status(), T0 + 3 * DAY).transitions()).extracting(DunningTransition::cause)
                .containsExactly(Cause.DAYS_ELAPSED);
    }

    /** Delivered any number of times, in any order, the same facts lead to the same state and each transition once. */
    @Property(tries = 200)
    void redeliveryNeverRecordsATransitionTwice(@ForAll @Size(max = 12) List<@IntRange(min = 0, max = 5) Integer> script) {
        List<PaymentFact> facts = List.of(failed("in_1", 1, T0), failed("in_1", 2, T0 + DAY), paid("in_1", T0 + 2 * DAY),
                failed("in_2", 1, T0 + 3 * DAY), paid("in_2", T0 + 40 * DAY), failed("in_3", 1, T0 + 41 * DAY));
        DunningStatus status = DunningStatus.ACTIVE;
        List<String> causes = new ArrayList<>();
        long now = T0;
        for (int index : script) {
            now += DAY;
            Dunning.Result r = Dunning.apply(POLICY, status, facts.get(index), now);
            r.transitions().forEach(t -> causes.add(t.causeId()));
            status = r.status();
            // past_due comes at the first failure: active exactly when nothing is unpaid
            assertThat(status.state() == ACTIVE).isEqualTo(status.unpaid().isEmpty());
        }
        assertThat(causes).doesNotHaveDuplicates();
    }
}
