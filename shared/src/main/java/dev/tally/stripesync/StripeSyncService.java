package dev.tally.stripesync;

import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.logging.LogContext;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.money.Currencies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * Pushes a finalized Tally invoice to Stripe so that no retry, at any delay, can charge twice: a draft Stripe invoice
 * (which Stripe does not finalize by itself), one invoice item per invoice line (credits are negative lines), a
 * check that the draft's total is Tally's total, then finalize; Stripe collects the payment and reports back through
 * {@code invoice.paid} / {@code invoice.payment_failed} webhooks.
 *
 * <p><b>Find before create.</b> Each attempt first finds what already exists in Stripe for the invoice and creates
 * only what is missing: the Stripe invoice is the stored {@code in_} id, else the one whose metadata
 * {@value #TALLY_INVOICE_METADATA} names the Tally invoice ({@link StripeGateway#findInvoices}: search, and a list of
 * the customer's invoices, which sees one created a moment ago); each line is the item whose metadata
 * {@value #TALLY_LINE_METADATA} names its line id ({@link StripeGateway#listItems}, a list API). Finalize is sent only
 * while the Stripe invoice is still a draft. So a retry an hour or a month later, after Stripe forgot every
 * idempotency key (24 hours, https://docs.stripe.com/api/idempotent_requests), creates nothing twice.
 *
 * <p><b>Idempotency keys</b> stay deterministic, {@code tally:<invoice id>:<step>} (steps {@code invoice},
 * {@code line:<line id>}, {@code finalize}), so a request whose answer was lost, or that is still executing when the
 * next attempt starts, is answered by Stripe from its key (a replay, or 409 until the first one ends) rather than
 * executed twice. Stripe also replays an error saved under a key, 500s included, for 24 hours; after an attempt that
 * Stripe answered with such an error ({@link StripeFailure#keyMustChange()}), the next attempt uses the next key
 * generation, {@code tally:<invoice id>:<step>:g<n>}. That is safe only because of find-before-create: the
 * error answer means the request is no longer executing, and whatever it did is found.
 *
 * <p><b>Never a wrong amount.</b> Before finalizing, the draft's items must be exactly Tally's lines (each line once,
 * with its amount; no item Tally did not create) and Stripe's total must equal Tally's total; otherwise the invoice
 * is not finalized and the sync fails permanently with the difference as its reason.
 *
 * <p><b>Failures.</b> A permanent one (a 4xx other than 409/429, a mismatch, an account without a Stripe customer, a
 * Stripe invoice voided or found twice) marks the invoice {@code sync_failed} with the reason and returns: one bad
 * invoice never blocks the stream. A transient one (network, timeouts, 429, 409, 5xx, the local store) is retried in
 * the call ({@link StripeApiGateway}), then recorded (reason, attempts, a not-before time with jittered backoff) and
 * thrown, so the stream retries the record; the {@value #MAX_ATTEMPTS}th failed attempt marks it {@code sync_failed}
 * instead. {@code tally invoices resync ID} ({@link #resync}) tries a failed one again.
 *
 * <p>States ({@link SyncStatus}): {@code pending}, {@code draft} (the Stripe draft's id is stored as soon as it is
 * known), {@code synced}, {@code recorded} (a recording gateway), {@code skipped} (a zero subtotal is not sent),
 * {@code sync_failed}. Thread-safe; state writes are optimistically locked, so two runners never both write from the
 * same read.
 */
public final class StripeSyncService {
    private static final Logger LOG = LoggerFactory.getLogger(StripeSyncService.class);

    /** Metadata key on Stripe invoices and items naming the Tally invoice. */
    public static final String TALLY_INVOICE_METADATA = "tally_invoice_id";
    /** Metadata key on Stripe invoices and items naming the Tally account. */
    public static final String TALLY_ACCOUNT_METADATA = "tally_account_id";
    /** Metadata key on Stripe invoice items naming the Tally invoice line they are. */
    public static final String TALLY_LINE_METADATA = "tally_line_id";
    /** Prefix of every idempotency key Tally sends. */
    public static final String KEY_PREFIX = "tally:";
    /**
     * Attempts the stream gets before the invoice is marked {@code sync_failed}: fewer than the invocations the event
     * source mapping makes of a failing record (1 + {@code MaximumRetryAttempts: 5} in template.yaml), so the
     * invoice is marked before Lambda discards the record.
     */
    public static final int MAX_ATTEMPTS = 5;
    /** Backoff between the stream's attempts: 2 s after the first failure, doubling, at most 16 s, with jitter. */
    static final Duration RETRY_BASE = Duration.ofSeconds(2);
    static final Duration RETRY_CAP = Duration.ofSeconds(16);
    /** Longest wait for a not-before time inside one invocation (the function's timeout is 60 s). */
    static final Duration MAX_WAIT = Duration.ofSeconds(20);
    /** Clock skew allowed between Tally and Stripe when listing the customer's invoices created since the invoice. */
    static final Duration CREATED_SINCE_MARGIN = Duration.ofDays(1);

    private final StripeSyncStore store;
    private final StripeGateway stripe;
    private final Clock clock;
    private final Sleeper sleeper;
    private final RandomGenerator random;
    private final Metrics metrics;

    /**
     * @param store sync states and customers
     * @param stripe the gateway (real or recording)
     * @param clock source of state times
     * @param sleeper waits for a not-before time
     * @param random jitter of the backoff
     * @param metrics receives {@link MetricNames#STRIPE_SYNCED} and {@link MetricNames#STRIPE_SYNC_FAILURES} (each
     *                invoice marked {@code sync_failed})
     */
    public StripeSyncService(StripeSyncStore store, StripeGateway stripe, Clock clock, Sleeper sleeper,
                             RandomGenerator random, Metrics metrics) {
        this.store = store;
        this.stripe = stripe;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
        this.metrics = metrics;
    }

    /**
     * With real waits and jitter.
     *
     * @param store sync states and customers
     * @param stripe the gateway (real or recording)
     * @param clock source of state times
     * @param metrics receives sync outcomes, as above
     */
    public StripeSyncService(StripeSyncStore store, StripeGateway stripe, Clock clock, Metrics metrics) {
        this(store, stripe, clock, Sleeper.REAL, ThreadLocalRandom.current(), metrics);
    }

    /**
     * The stream's sync of a newly written invoice (also a redelivery or retry of it). Does nothing for an invoice
     * already done or {@code sync_failed}; waits first (at most {@link #MAX_WAIT}) when a failed attempt set a
     * not-before time in the future.
     *
     * @param invoice a Tally invoice; only a finalized one ({@link InvoiceStatus#OPEN}) is sent
     * @return the state after this call; empty when the invoice is not {@link InvoiceStatus#OPEN} (nothing is
     *         sent or stored)
     * @throws SyncRetryException after a transient failure with attempts left: retry the same invoice
     * @throws StripeSyncStore.ConcurrentSyncException when another runner wrote the state meanwhile: retry
     * @throws RuntimeException when the state cannot be read or written: retry
     */
    public Optional<SyncState> sync(Invoice invoice) {
        try (LogContext.Scope ignored = inContext(invoice)) {
            return syncInContext(invoice);
        }
    }

    private static LogContext.Scope inContext(Invoice invoice) {
        return LogContext.with(LogContext.ACCOUNT, invoice.accountId(), LogContext.INVOICE_ID, invoice.invoiceId());
    }

    private Optional<SyncState> syncInContext(Invoice invoice) {
        if (invoice.status() != InvoiceStatus.OPEN) {
            LOG.info("invoice {} is {} in Tally: only finalized (open) invoices are sent to Stripe", invoice.invoiceId(),
                    invoice.status().wireName());
            return Optional.empty();
        }
        long now = now();
        SyncState state = store.find(invoice.invoiceId()).orElseGet(() -> SyncState.initial(invoice.invoiceId(), now));
        if (state.status().terminal()) {
            LOG.info("invoice {} already {}", invoice.invoiceId(), state.status().wireName());
            return Optional.of(state);
        }
        if (invoice.subtotalMinor() == 0) {
            return Optional.of(skip(state));
        }
        if (state.attempts() >= MAX_ATTEMPTS) {
            // Every attempt the stream gave it began and none recorded its end (timeouts): give up without calling.
            String reason = "gave up after " + state.attempts() + " attempts: " + lastErrorOf(state);
            SyncState failed = store.save(state.endAttempt(SyncStatus.SYNC_FAILED, reason, null, false), now);
            LOG.warn("invoice {} sync_failed: {}", invoice.invoiceId(), reason);
            metrics.increment(MetricNames.STRIPE_SYNC_FAILURES);
            return Optional.of(failed);
        }
        waitUntilDue(state);
        return Optional.of(attempt(invoice, state, true));
    }

    /**
     * An operator's sync of one invoice now ({@code tally invoices resync ID}): one attempt, whatever the state
     * (a {@code sync_failed} one, or one whose stream retries ended), unless the invoice is already done. Safe at any
     * time and any number of times: it finds before it creates, like every attempt. Opens a new round of attempts.
     *
     * @param invoice a finalized Tally invoice
     * @return the state after the attempt: done ({@code synced}, {@code recorded}, {@code skipped}) or
     *         {@code sync_failed} with the reason
     * @throws IllegalArgumentException when the invoice is not {@link InvoiceStatus#OPEN}
     * @throws StripeSyncStore.ConcurrentSyncException when another runner is syncing it right now
     */
    public SyncState resync(Invoice invoice) {
        try (LogContext.Scope ignored = inContext(invoice)) {
            return resyncInContext(invoice);
        }
    }

    private SyncState resyncInContext(Invoice invoice) {
        if (invoice.status() != InvoiceStatus.OPEN) {
            throw new IllegalArgumentException("invoice " + invoice.invoiceId() + " is " + invoice.status().wireName()
                    + " in Tally: only finalized (open) invoices are sent to Stripe");
        }
        SyncState state = store.find(invoice.invoiceId()).orElseGet(() -> SyncState.initial(invoice.invoiceId(), now()));
        if (state.status().done()) {
            LOG.info("resync of invoice {}: already {}", invoice.invoiceId(), state.status().wireName());
            return state;
        }
        if (invoice.subtotalMinor() == 0) {
            return skip(state);
        }
        return attempt(invoice, state.newRound(), false);
    }

    private SyncState skip(SyncState state) {
        SyncState skipped = store.save(state.withStatus(SyncStatus.SKIPPED), now());
        LOG.info("invoice {} skipped: nothing to charge", state.invoiceId());
        return skipped;
    }

    private void waitUntilDue(SyncState state) {
        if (state.nextAttemptAt() == null) {
            return;
        }
        Duration wait = Duration.between(clock.instant(), Instant.ofEpochSecond(state.nextAttemptAt()));
        if (!wait.isNegative() && !wait.isZero()) {
            sleeper.sleep(wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait);
        }
    }

    /** One attempt; the state is written when it begins (so a timeout still counts it) and when it ends. */
    private SyncState attempt(Invoice invoice, SyncState state, boolean streamRetries) {
        SyncState begun = state.beginAttempt(now());
        if (state.attemptOpenSince() != null) {
            begun = begun.withLastError(unfinished(state));
        }
        SyncState current = store.save(begun, now());
        Attempt attempt = new Attempt(invoice, current);
        try {
            attempt.run();
            SyncStatus done = stripe.sendsRequests() ? SyncStatus.SYNCED : SyncStatus.RECORDED;
            SyncState ended = store.save(attempt.state.endAttempt(done, null, null, false), now());
            LOG.info("invoice {} {} ({}) at attempt {}", invoice.invoiceId(), done.wireName(), ended.stripeInvoiceId(),
                    ended.attempts());
            metrics.increment(MetricNames.STRIPE_SYNCED);
            return ended;
        } catch (SyncRefusal | StripeFailure e) {
            if (e instanceof SyncRefusal || ((StripeFailure) e).permanent()) {
                boolean newKeys = e instanceof StripeFailure f && f.keyMustChange();
                SyncState failed = store.save(attempt.state.endAttempt(SyncStatus.SYNC_FAILED, e.getMessage(), null,
                        newKeys), now());
                LOG.warn("invoice {} sync_failed (permanent): {}", invoice.invoiceId(), e.getMessage());
                metrics.increment(MetricNames.STRIPE_SYNC_FAILURES);
                return failed;
            }
            return failTransiently(attempt.state, e, streamRetries);
        } catch (StripeSyncStore.ConcurrentSyncException e) {
            throw e;
        } catch (RuntimeException e) {
            return failTransiently(attempt.state, e, streamRetries);
        }
    }

    private SyncState failTransiently(SyncState state, RuntimeException e, boolean streamRetries) {
        boolean newKeys = e instanceof StripeFailure f && f.keyMustChange();
        String reason = e instanceof StripeFailure ? e.getMessage() : e.toString();
        if (!streamRetries || state.attempts() >= MAX_ATTEMPTS) {
            String why = streamRetries ? "gave up after " + state.attempts() + " attempts: " + reason : reason;
            SyncState failed = store.save(state.endAttempt(SyncStatus.SYNC_FAILED, why, null, newKeys), now());
            LOG.warn("invoice {} sync_failed: {}", state.invoiceId(), why);
            metrics.increment(MetricNames.STRIPE_SYNC_FAILURES);
            return failed;
        }
        Duration delay = Sleeper.backoff(state.attempts(), RETRY_BASE, RETRY_CAP, random);
        long nextAttempt = now() + Math.max(1, (delay.toMillis() + 999) / 1000);
        store.save(state.endAttempt(state.status(), reason, nextAttempt, newKeys), now());
        LOG.warn("invoice {}: attempt {} of {} failed, retried after {}: {}", state.invoiceId(), state.attempts(),
                MAX_ATTEMPTS, Instant.ofEpochSecond(nextAttempt), reason);
        throw new SyncRetryException("sync of invoice " + state.invoiceId() + " failed at attempt " + state.attempts()
                + " of " + MAX_ATTEMPTS + " and is retried: " + reason, e);
    }

    private static String unfinished(SyncState state) {
        return "attempt " + state.attempts() + " begun at " + Instant.ofEpochSecond(state.attemptOpenSince())
                + " did not finish (a timeout or a crash)";
    }

    private static String lastErrorOf(SyncState state) {
        if (state.attemptOpenSince() != null) {
            return unfinished(state);
        }
        return state.lastError() != null ? state.lastError() : "no attempt finished";
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    /** One attempt's work, holding the state as it goes. */
    private final class Attempt {
        private final Invoice invoice;
        private SyncState state;

        Attempt(Invoice invoice, SyncState state) {
            this.invoice = invoice;
            this.state = state;
        }

        void run() {
            String customer = store.stripeCustomerId(invoice.accountId()).orElseThrow(() -> new SyncRefusal("account "
                    + invoice.accountId() + " has no Stripe customer (Tally has not received its customer.created); "
                    + "once it has, resync the invoice"));
            StripeInvoice found = locate(customer);
            if (found == null) {
                String description = "Usage " + Instant.ofEpochSecond(invoice.periodStart()) + " to "
                        + Instant.ofEpochSecond(invoice.periodEnd());
                found = stripe.createInvoice(customer, invoice.currency(), description, metadata(null), key("invoice"));
            }
            checkBelongs(found, customer);
            if (!found.id().equals(state.stripeInvoiceId()) || state.status() != SyncStatus.DRAFT) {
                state = store.save(state.withDraft(found.id()), now());
            }
            if (found.draft()) {
                addMissingItems(found, customer);
                StripeInvoice fresh = stripe.retrieveInvoice(found.id()).orElseThrow(() -> new IllegalStateException(
                        "Stripe invoice " + state.stripeInvoiceId() + " disappeared while items were added to it"));
                checkTotal(fresh, "it was not finalized");
                found = fresh.draft() ? stripe.finalizeInvoice(fresh.id(), key("finalize")) : fresh;
            }
            if (StripeInvoice.VOID.equals(found.status())) {
                throw new SyncRefusal("Stripe invoice " + found.id() + " of " + invoice.invoiceId() + " is void; Tally "
                        + "does not invoice it again (create a new invoice in Stripe by hand if it is owed)");
            }
            checkTotal(found, "it is already " + found.status() + " in Stripe");
        }

        /** The stored Stripe invoice, else the one found by metadata; null when none exists. */
        private StripeInvoice locate(String customer) {
            if (state.stripeInvoiceId() != null) {
                Optional<StripeInvoice> known = stripe.retrieveInvoice(state.stripeInvoiceId());
                if (known.isPresent()) {
                    return known.get();
                }
                LOG.warn("invoice {}: Stripe no longer has {} (a deleted draft?); looking for another", invoice.invoiceId(),
                        state.stripeInvoiceId());
            }
            long since = invoice.createdAt() - CREATED_SINCE_MARGIN.toSeconds();
            List<StripeInvoice> candidates = stripe.findInvoices(invoice.invoiceId(), customer, since);
            List<StripeInvoice> live = candidates.stream().filter(i -> !StripeInvoice.VOID.equals(i.status())).toList();
            if (live.size() > 1) {
                throw new SyncRefusal(live.size() + " Stripe invoices carry " + TALLY_INVOICE_METADATA + " "
                        + invoice.invoiceId() + ": " + live.stream().map(i -> i.id() + " (" + i.status() + ")")
                        .collect(Collectors.joining(", ")) + "; void or delete all but one, then resync");
            }
            if (live.size() == 1) {
                return live.getFirst();
            }
            return candidates.isEmpty() ? null : candidates.getFirst();
        }

        private void checkBelongs(StripeInvoice found, String customer) {
            if (!customer.equals(found.customer()) || !invoice.currency().equals(found.currency())
                    || !invoice.invoiceId().equals(found.tallyInvoiceId())) {
                throw new SyncRefusal("Stripe invoice " + found.id() + " (customer " + found.customer() + ", "
                        + found.currency() + ", " + TALLY_INVOICE_METADATA + " " + found.tallyInvoiceId()
                        + ") is not invoice " + invoice.invoiceId() + " (customer " + customer + ", "
                        + invoice.currency() + ")");
            }
        }

        /** Lists the draft's items, checks them against the lines and creates the missing ones, in line order. */
        private void addMissingItems(StripeInvoice draft, String customer) {
            Map<String, InvoiceLine> lines = new LinkedHashMap<>();
            invoice.lines().forEach(l -> lines.put(l.lineId(), l));
            Map<String, StripeInvoiceItem> present = new HashMap<>();
            List<String> problems = new ArrayList<>();
            for (StripeInvoiceItem item : stripe.listItems(draft.id())) {
                InvoiceLine line = item.tallyLineId() == null ? null : lines.get(item.tallyLineId());
                StripeInvoiceItem other = line == null ? null : present.putIfAbsent(line.lineId(), item);
                if (line == null) {
                    problems.add("item " + item.id() + " (" + money(item.amountMinor()) + ", " + TALLY_LINE_METADATA + " "
                            + item.tallyLineId() + ") is not a line of the invoice");
                } else if (other != null) {
                    problems.add("line " + line.lineId() + " has two items, " + other.id() + " and " + item.id());
                } else if (item.amountMinor() != line.amountMinor() || !invoice.currency().equals(item.currency())) {
                    problems.add("item " + item.id() + " of line " + line.lineId() + " is " + item.amountMinor() + " "
                            + item.currency() + ", the line " + money(line.amountMinor()));
                }
            }
            if (!problems.isEmpty()) {
                throw new SyncRefusal("Stripe draft " + draft.id() + " does not match invoice " + invoice.invoiceId()
                        + ": " + String.join("; ", problems) + "; it was not finalized");
            }
            for (InvoiceLine line : lines.values()) {
                if (!present.containsKey(line.lineId())) {
                    stripe.createInvoiceItem(customer, draft.id(), line.amountMinor(), invoice.currency(),
                            line.description(), metadata(line), key("line:" + line.lineId()));
                }
            }
        }

        private void checkTotal(StripeInvoice found, String consequence) {
            if (found.totalMinor() != invoice.totalMinor() || !invoice.currency().equals(found.currency())) {
                throw new SyncRefusal("Stripe invoice " + found.id() + " totals " + found.totalMinor() + " "
                        + found.currency() + ", Tally's invoice " + invoice.invoiceId() + " totals " + money(invoice.totalMinor())
                        + "; " + consequence);
            }
        }

        private String key(String step) {
            return KEY_PREFIX + invoice.invoiceId() + ":" + step + (state.keyGeneration() == 0 ? "" : ":g" + state.keyGeneration());
        }

        private Map<String, String> metadata(InvoiceLine line) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(TALLY_INVOICE_METADATA, invoice.invoiceId());
            m.put(TALLY_ACCOUNT_METADATA, invoice.accountId());
            if (line != null) {
                m.put(TALLY_LINE_METADATA, line.lineId());
                m.put("tally_line_type", line.type().wireName());
                if (line.meter() != null) {
                    m.put("tally_meter", line.meter());
                }
            }
            return m;
        }

        private String money(long minor) {
            return minor + " " + invoice.currency() + " (" + Currencies.format(minor, invoice.currency()) + ")";
        }
    }

    /** A permanent reason not to go on: bad input or a mismatch that retrying cannot fix. */
    private static final class SyncRefusal extends RuntimeException {
        SyncRefusal(String message) {
            super(message);
        }
    }

    /** A transient failure, recorded; the stream retries the record. */
    public static final class SyncRetryException extends RuntimeException {
        SyncRetryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
