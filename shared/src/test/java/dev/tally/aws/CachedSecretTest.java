package dev.tally.aws;

import dev.tally.config.Env;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachedSecretTest {

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void readsOnFirstUseNotAtConstruction() {
        AtomicInteger fetches = new AtomicInteger();
        CachedSecret secret = new CachedSecret(() -> "v" + fetches.incrementAndGet(), Duration.ofMinutes(5), clock);
        assertThat(fetches).hasValue(0);
        assertThat(secret.get()).isEqualTo("v1");
        assertThat(secret.get()).isEqualTo("v1");
        assertThat(fetches).hasValue(1);
    }

    @Test
    void readsAgainOnceTheTtlHasPassed() {
        AtomicInteger fetches = new AtomicInteger();
        CachedSecret secret = new CachedSecret(() -> "v" + fetches.incrementAndGet(), Duration.ofMinutes(5), clock);
        secret.get();
        now = now.plus(Duration.ofMinutes(4));
        assertThat(secret.get()).isEqualTo("v1");
        now = now.plus(Duration.ofMinutes(1));
        assertThat(secret.get()).isEqualTo("v2");
    }

    @Test
    void aFailedReadIsNotCached() {
        AtomicInteger calls = new AtomicInteger();
        CachedSecret secret = new CachedSecret(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("throttled");
            }
            return "ok";
        }, Duration.ofMinutes(5), clock);
        assertThatThrownBy(secret::get).hasMessage("throttled");
        assertThat(secret.get()).isEqualTo("ok");
    }

    /** SnapStart: Lambda offers the container endpoint, whose provider refreshes credentials after a restore. */
    @Test
    void credentialsComeFromTheContainerProviderWhereLambdaOffersIt() {
        assertThat(AwsClients.credentials(Env.of(Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9001/creds"))))
                .isInstanceOf(ContainerCredentialsProvider.class);
        assertThat(AwsClients.credentials(Env.of(Map.of()))).isInstanceOf(EnvironmentVariableCredentialsProvider.class);
        assertThat(AwsClients.credentials(Env.of(Map.of("TALLY_LOCAL", "true")))).isInstanceOf(StaticCredentialsProvider.class);
    }
}
