package dev.tally.local;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The clock of the local runtime, shared by every handler (through its {@code (Map, Clock)} constructor) and by the
 * scheduler. It is in UTC and can be {@link #set set} and {@link #advance advanced}; schedules whose next fire time
 * the clock passes fire.
 *
 * <p>A <em>frozen</em> clock ({@link #frozen}) stands still between changes, which makes tests deterministic; a
 * <em>ticking</em> clock ({@link #ticking}) follows the system clock at an offset that {@code set} and {@code advance}
 * move. Thread-safe.
 */
public final class LocalClock extends Clock {
    private final boolean ticking;
    private final Clock system = Clock.systemUTC();
    private final List<Consumer<Instant>> listeners = new CopyOnWriteArrayList<>();
    /** Frozen: the current instant. Ticking: the offset from the system clock, as an instant since the epoch. */
    private Instant state;

    private LocalClock(Instant start, boolean ticking) {
        this.ticking = ticking;
        this.state = ticking ? Instant.EPOCH.plus(Duration.between(system.instant(), start)) : start;
    }

    /** A clock that stands at {@code start} until it is set or advanced. */
    public static LocalClock frozen(Instant start) {
        return new LocalClock(Objects.requireNonNull(start, "start"), false);
    }

    /** A clock that starts at {@code start} and then moves with real time. */
    public static LocalClock ticking(Instant start) {
        return new LocalClock(Objects.requireNonNull(start, "start"), true);
    }

    /** Whether this clock moves with real time. */
    public boolean isTicking() {
        return ticking;
    }

    @Override
    public synchronized Instant instant() {
        return ticking ? system.instant().plus(Duration.between(Instant.EPOCH, state)) : state;
    }

    /** Always UTC. */
    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** A view of this clock in another zone (same instants, set and advanced with this clock). */
    @Override
    public Clock withZone(ZoneId zone) {
        LocalClock self = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(ZoneId other) {
                return self.withZone(other);
            }

            @Override
            public Instant instant() {
                return self.instant();
            }
        };
    }

    /**
     * Moves the clock to {@code instant} (backwards too) and notifies listeners.
     *
     * @throws NullPointerException when {@code instant} is null
     */
    public void set(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        synchronized (this) {
            state = ticking ? Instant.EPOCH.plus(Duration.between(system.instant(), instant)) : instant;
        }
        notifyListeners();
    }

    /**
     * Moves the clock forward by {@code amount} (a negative amount moves it back) and notifies listeners.
     *
     * @return the new instant
     */
    public Instant advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        synchronized (this) {
            state = state.plus(amount);
        }
        notifyListeners();
        return instant();
    }

    /** Registers a callback run (on the caller's thread) after every {@link #set} or {@link #advance}. */
    public void addListener(Consumer<Instant> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a callback added with {@link #addListener}. */
    public void removeListener(Consumer<Instant> listener) {
        listeners.remove(listener);
    }

    private void notifyListeners() {
        Instant now = instant();
        for (Consumer<Instant> l : listeners) {
            l.accept(now);
        }
    }

    @Override
    public String toString() {
        return "LocalClock[" + instant() + (ticking ? ", ticking]" : ", frozen]");
    }
}
