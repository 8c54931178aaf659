package dev.tally.invoice;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InvoiceJobTest {

    // 2025-11-01T00:00:00Z and 2025-12-01T00:00:00Z
    private static final long NOV_1 = 1761955200L;
    private static final long DEC_1 = 1764547200L;

    @Test
    void roundTrip() {
        InvoiceJob job = new InvoiceJob("sub_123", "org_acme", NOV_1, DEC_1);
        assertThat(InvoiceJob.fromJson(job.toJson())).isEqualTo(job);
    }

    @Test
    void readsTheDocumentedMessageBody() {
        InvoiceJob job = InvoiceJob.fromJson(
                "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodStart\":1761955200,\"periodEnd\":1764547200}");
        assertThat(job).isEqualTo(new InvoiceJob("sub_123", "org_acme", NOV_1, DEC_1));
    }

    @Test
    void writesTheFieldNamesTheConsumerReads() {
        String json = new InvoiceJob("sub_123", "org_acme", NOV_1, DEC_1).toJson();
        assertThat(json).contains("\"subscriptionId\":\"sub_123\"", "\"accountId\":\"org_acme\"",
                "\"periodStart\":1761955200", "\"periodEnd\":1764547200");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // a required field missing
            "{\"accountId\":\"org_acme\",\"periodStart\":1761955200,\"periodEnd\":1764547200}",
            "{\"subscriptionId\":\"sub_123\",\"periodStart\":1761955200,\"periodEnd\":1764547200}",
            "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodEnd\":1764547200}",
            "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodStart\":1761955200}",
            "{}",
            // a required field null
            "{\"subscriptionId\":null,\"accountId\":\"org_acme\",\"periodStart\":1761955200,\"periodEnd\":1764547200}",
            "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodStart\":null,\"periodEnd\":1764547200}",
            // an empty period or one that ends before it starts
            "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodStart\":1764547200,\"periodEnd\":1764547200}",
            "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodStart\":1764547200,\"periodEnd\":1761955200}",
    })
    void incompleteJobIsRejected(String body) {
        assertThatThrownBy(() -> InvoiceJob.fromJson(body)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "not json",
            "{\"subscriptionId\":\"sub_123\"",
            "[]",
            "null",
            "42",
            "{\"subscriptionId\":\"sub_123\",\"accountId\":\"org_acme\",\"periodStart\":\"soon\",\"periodEnd\":1764547200}",
    })
    void malformedJobIsRejected(String body) {
        assertThatThrownBy(() -> InvoiceJob.fromJson(body)).isInstanceOf(IllegalArgumentException.class);
    }
}
