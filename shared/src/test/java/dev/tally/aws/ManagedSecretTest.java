package dev.tally.aws;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerServiceClientConfiguration;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManagedSecretTest {

    /** Secrets Manager in memory: one secret whose value the test sets, and the requests it got. */
    static final class FakeSecretsManager implements SecretsManagerClient {
        final AtomicReference<String> value = new AtomicReference<>("whsec_first");
        final List<String> requests = new ArrayList<>();

        @Override
        public GetSecretValueResponse getSecretValue(GetSecretValueRequest request) {
            requests.add(request.secretId());
            if (value.get() == null) {
                throw SecretsManagerException.builder().message("unavailable").statusCode(503).build();
            }
            return GetSecretValueResponse.builder().secretString(value.get()).build();
        }

        @Override
        public String serviceName() {
            return "secretsmanager";
        }

        @Override
        public void close() {
        }

        @Override
        public SecretsManagerServiceClientConfiguration serviceClientConfiguration() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void readsWhenFirstAskedAndServesFromTheCacheWithinItsTtl() {
        FakeSecretsManager sm = new FakeSecretsManager();
        ManagedSecret secret = ManagedSecret.of(sm, "arn:secret:webhook", Duration.ofMinutes(5));
        assertThat(sm.requests).as("nothing read before it is needed").isEmpty();

        assertThat(secret.get()).isEqualTo("whsec_first");
        sm.value.set("whsec_rotated");
        assertThat(secret.get()).as("cached").isEqualTo("whsec_first");
        assertThat(sm.requests).containsExactly("arn:secret:webhook");
    }

    @Test
    void aRotatedValueIsReadOnceTheTtlHasPassed() throws InterruptedException {
        FakeSecretsManager sm = new FakeSecretsManager();
        ManagedSecret secret = ManagedSecret.of(sm, "arn:secret:webhook", Duration.ofMillis(50));
        assertThat(secret.get()).isEqualTo("whsec_first");
        sm.value.set("whsec_rotated");
        Thread.sleep(120);   // Powertools' cache reads the system clock

        assertThat(secret.get()).isEqualTo("whsec_rotated");
        assertThat(sm.requests).hasSize(2);
    }

    @Test
    void aFailedReadIsThrownAndRetriedOnTheNextCall() {
        FakeSecretsManager sm = new FakeSecretsManager();
        sm.value.set(null);
        ManagedSecret secret = ManagedSecret.of(sm, "arn:secret:webhook", Duration.ofMinutes(5));

        assertThatThrownBy(secret::get).isInstanceOf(RuntimeException.class);
        sm.value.set("whsec_back");
        assertThat(secret.get()).isEqualTo("whsec_back");
    }
}
