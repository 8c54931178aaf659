package dev.tally.invoice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A request to invoice one subscription's billing period, as the billing run puts it on the invoice-jobs queue:
 * {@code {"subscriptionId":"sub_...","accountId":"org_acme","periodStart":1761955200,"periodEnd":1764547200}}.
 *
 * @param subscriptionId subscription id
 * @param accountId account id
 * @param periodStart period start, seconds since the epoch, inclusive
 * @param periodEnd period end, seconds since the epoch, exclusive
 */
public record InvoiceJob(String subscriptionId, String accountId, long periodStart, long periodEnd) {
    // A missing or null period bound must not default to 0 (1970): that job is incomplete.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /**
     * @param body an invoice-jobs message body
     * @return the job
     * @throws IllegalArgumentException if the body is not a job
     */
    public static InvoiceJob fromJson(String body) {
        try {
            InvoiceJob job = JSON.readValue(body, InvoiceJob.class);
            if (job == null || job.subscriptionId() == null || job.accountId() == null
                    || job.periodEnd() <= job.periodStart()) {
                throw new IllegalArgumentException("incomplete invoice job: " + body);
            }
            return job;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an invoice job: " + body, e);
        }
    }

    /** @return the job as a message body */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
