package dev.tally.aws;

import dev.tally.config.Env;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A secret read when first needed and then kept for a time to live, so that a function fetches it after a SnapStart
 * restore rather than at init (a snapshot must not carry secrets, and a restored snapshot may be days old), and picks
 * a rotated value up within the TTL. Thread-safe; a failed fetch is thrown to the caller and retried on the next call.
 */
public final class CachedSecret implements Supplier<String> {

    /** TTL when {@code SECRET_CACHE_TTL_SECONDS} is not set. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private final Supplier<String> fetch;
    private final Duration ttl;
    private final Clock clock;
    private String value;
    private Instant fetchedAt;

    /**
     * @param fetch reads the current value (e.g. from Secrets Manager); must not return null
     * @param ttl how long a value is served before it is read again
     * @param clock time source
     */
    public CachedSecret(Supplier<String> fetch, Duration ttl, Clock clock) {
        this.fetch = Objects.requireNonNull(fetch);
        this.ttl = Objects.requireNonNull(ttl);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * A Secrets Manager secret's string value, read with a client built now (no network) and used on first
     * {@link #get()}. TTL: {@code SECRET_CACHE_TTL_SECONDS}, else {@link #DEFAULT_TTL}.
     *
     * @param env the function's configuration (region, endpoint override, credentials)
     * @param secretArn the secret's ARN
     * @param clock time source
     * @return the lazily read secret
     */
    public static CachedSecret fromSecretsManager(Env env, String secretArn, Clock clock) {
        SecretsManagerClient client = AwsClients.configure(SecretsManagerClient.builder(), env, "SECRETS_MANAGER").build();
        Duration ttl = Duration.ofSeconds(env.longValue("SECRET_CACHE_TTL_SECONDS", DEFAULT_TTL.toSeconds()));
        return new CachedSecret(() -> client.getSecretValue(r -> r.secretId(secretArn)).secretString(), ttl, clock);
    }

    /**
     * @return the cached value, or a freshly read one when none is cached or it is older than the TTL
     * @throws RuntimeException whatever the fetch throws (nothing is cached then)
     */
    @Override
    public synchronized String get() {
        Instant now = clock.instant();
        if (value == null || !now.isBefore(fetchedAt.plus(ttl))) {
            value = Objects.requireNonNull(fetch.get(), "secret fetch returned null");
            fetchedAt = now;
        }
        return value;
    }
}
