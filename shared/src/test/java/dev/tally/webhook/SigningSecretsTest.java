package dev.tally.webhook;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SigningSecretsTest {

    @Test
    void oneSecret() {
        assertThat(SigningSecrets.parse("whsec_one")).containsExactly("whsec_one");
    }

    @Test
    void commaSeparatedSecretsInOrder() {
        assertThat(SigningSecrets.parse(" whsec_new , whsec_old,")).containsExactly("whsec_new", "whsec_old");
    }

    @Test
    void jsonWithCurrentAndPrevious() {
        assertThat(SigningSecrets.parse("{\"current\": \"whsec_new\", \"previous\": \"whsec_old\"}"))
                .containsExactly("whsec_new", "whsec_old");
        assertThat(SigningSecrets.parse("{\"current\": \"whsec_new\"}")).containsExactly("whsec_new");
    }

    @Test
    void refusesWhatIsNoSigningSecretWithoutQuotingIt() {
        assertThatThrownBy(() -> SigningSecrets.parse("sk_live_oops")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("sk_live_oops");
        assertThatThrownBy(() -> SigningSecrets.parse(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SigningSecrets.parse("{\"current\": ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("current");
        assertThatThrownBy(() -> SigningSecrets.parse("{\"previous\": \"\"}")).isInstanceOf(IllegalArgumentException.class);
    }
}
