package dev.tally.credit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Expires credit grants on time, and warns before: run by the hourly billing-run schedule.
 *
 * <ul>
 *   <li>A grant whose expiry has come ({@code expiresAt <= now}) and that has something left gets an
 *       {@link LedgerEntry.Type#EXPIRY} entry for all of it, dated at its expiry, and is left at zero; the entry's
 *       arrival on the credits table's stream raises {@code credits.grant_expired}.</li>
 *   <li>A grant expiring within the warning window ({@code now < expiresAt <= now + warning}) is marked warned,
 *       once; that change raises {@code credits.grant_expiring}.</li>
 * </ul>
 * Both find their grants through the store's expiry index (only grants with an expiry and something left are in it),
 * never by reading every grant. Drawdowns never wait for this: a grant stops being applicable at its expiry second
 * whether or not its expiry entry is written yet, so running an hour late moves no money, only the entry's
 * recording. Each grant is done on its own: one that fails is reported and the others go on; the next run retries
 * it (every step is safe to repeat).
 */
public final class CreditExpiry {
    private static final Logger LOG = LoggerFactory.getLogger(CreditExpiry.class);
    /** Default warning before an expiry: 7 days, in seconds. */
    public static final long DEFAULT_WARNING_SECONDS = 7 * 86_400L;
    private static final int RETRIES = 5;

    private final CreditStore store;
    private final long warningSeconds;

    /**
     * What a run did.
     *
     * @param warned grants marked warned now
     * @param expired grants expired now
     * @param failures one line per grant that could not be handled (the next run retries it)
     */
    public record Result(int warned, int expired, List<String> failures) {
    }

    /**
     * @param store the credit store
     * @param warningSeconds how long before an expiry to warn, seconds, not negative ({@code CREDIT_EXPIRY_WARNING_SECONDS})
     */
    public CreditExpiry(CreditStore store, long warningSeconds) {
        if (warningSeconds < 0) {
            throw new IllegalArgumentException("the expiry warning must not be negative, was " + warningSeconds);
        }
        this.store = store;
        this.warningSeconds = warningSeconds;
    }

    /**
     * @param now the run's time, seconds since the epoch
     * @return what was done
     * @throws RuntimeException if the expiry index cannot be read (transient; nothing else was tried)
     */
    public Result run(long now) {
        List<String> failures = new ArrayList<>();
        int expired = 0;
        List<GrantBalance> due = new ArrayList<>(store.expiringBy(now, true));
        due.addAll(store.expiringBy(now, false));
        for (GrantBalance g : due) {
            try {
                if (expire(g.grant(), now)) {
                    expired++;
                }
            } catch (RuntimeException e) {
                LOG.error("credit grant {} of {} could not be expired", g.grant().grantId(), g.grant().accountId(), e);
                failures.add(g.grant().accountId() + "/" + g.grant().grantId() + ": " + e);
            }
        }
        int warned = 0;
        for (GrantBalance g : store.expiringBy(now + warningSeconds, false)) {
            if (g.grant().expiredAt(now)) {
                continue; // expired above (or failed there)
            }
            try {
                if (store.markExpiryWarned(g.grant().accountId(), g.grant().grantId(), now)) {
                    warned++;
                }
            } catch (RuntimeException e) {
                LOG.error("credit grant {} of {} could not be marked warned", g.grant().grantId(), g.grant().accountId(), e);
                failures.add(g.grant().accountId() + "/" + g.grant().grantId() + ": " + e);
            }
        }
        LOG.info("credit expiry at {}: {} grants expired, {} warned, {} failed", now, expired, warned, failures.size());
        return new Result(warned, expired, failures);
    }

    /** Writes the grant's expiry entry if it has something left; re-reads it when a drawdown came first. */
    private boolean expire(CreditGrant indexed, long now) {
        for (int attempt = 1; ; attempt++) {
            Optional<GrantBalance> current = store.grant(indexed.accountId(), indexed.grantId());
            if (current.isEmpty() || current.get().remainingMinor() == 0 || !current.get().grant().expiredAt(now)) {
                return false;
            }
            try {
                return store.commit(List.of(LedgerEntry.expiry(current.get().grant(), current.get().remainingMinor())))
                        == CreditStore.Outcome.APPLIED;
            } catch (CreditConflictException e) {
                if (attempt >= RETRIES) {
                    throw e;
                }
            }
        }
    }
}
