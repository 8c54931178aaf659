package dev.tally.aws;

import dev.tally.config.Env;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.lambda.powertools.parameters.cache.CacheManager;
import software.amazon.lambda.powertools.parameters.secrets.SecretsProvider;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A Secrets Manager secret read through Powertools parameters ({@link SecretsProvider}): fetched when first asked
 * for, so after a SnapStart restore and never into the snapshot, then served from Powertools' cache for a time to
 * live, so that a rotated value is picked up within it (https://docs.powertools.aws.dev/lambda/java/utilities/parameters/).
 * A failed fetch is thrown to the caller and retried on the next call. The value is never logged.
 */
public final class ManagedSecret implements Supplier<String> {

    /** TTL when {@code SECRET_CACHE_TTL_SECONDS} is not set. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private final SecretsProvider provider;
    private final String secretId;

    /**
     * @param provider Powertools' provider, with its cache's default expiration set
     * @param secretId the secret's ARN or name
     */
    public ManagedSecret(SecretsProvider provider, String secretId) {
        this.provider = provider;
        this.secretId = secretId;
    }

    /**
     * @param client a Secrets Manager client
     * @param secretId the secret's ARN or name
     * @param ttl how long a value is served from the cache
     * @return the lazily read secret
     */
    public static ManagedSecret of(SecretsManagerClient client, String secretId, Duration ttl) {
        CacheManager cache = new CacheManager();
        cache.setDefaultExpirationTime(ttl);
        return new ManagedSecret(SecretsProvider.builder().withClient(client).withCacheManager(cache).build(), secretId);
    }

    /**
     * A client built now (no network) from the function's configuration; TTL {@code SECRET_CACHE_TTL_SECONDS}, else
     * {@link #DEFAULT_TTL}.
     *
     * @param env the function's configuration (region, endpoint override, credentials)
     * @param secretId the secret's ARN
     * @return the lazily read secret
     */
    public static ManagedSecret fromSecretsManager(Env env, String secretId) {
        SecretsManagerClient client = AwsClients.configure(SecretsManagerClient.builder(), env, "SECRETS_MANAGER").build();
        return of(client, secretId, Duration.ofSeconds(env.longValue("SECRET_CACHE_TTL_SECONDS", DEFAULT_TTL.toSeconds())));
    }

    /**
     * @return the cached value, or a freshly read one when none is cached or the cached one is older than the TTL
     * @throws RuntimeException whatever the fetch throws (nothing is cached then)
     */
    @Override
    public synchronized String get() {
        return provider.get(secretId);
    }
}
