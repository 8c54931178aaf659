package dev.tally.billingrun;

import dev.tally.invoice.InvoiceJob;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts invoice jobs on the invoice-jobs queue as JSON, in batches of up to 10 (the SQS SendMessageBatch limit,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
 */
public final class SqsInvoiceJobQueue {
    private static final int SQS_BATCH_LIMIT = 10;

    private final SqsClient sqs;
    private final String queueUrl;

    /**
     * @param sqs SQS client built once
     * @param queueUrl the invoice-jobs queue URL
     */
    public SqsInvoiceJobQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /**
     * @param jobs jobs to send
     * @throws IllegalStateException if SQS refused any entry (the billing run fails and is retried)
     */
    public void send(List<InvoiceJob> jobs) {
        for (int from = 0; from < jobs.size(); from += SQS_BATCH_LIMIT) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            List<InvoiceJob> slice = jobs.subList(from, Math.min(jobs.size(), from + SQS_BATCH_LIMIT));
            for (int i = 0; i < slice.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(slice.get(i).toJson()).build());
            }
            SendMessageBatchResponse response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            if (!response.failed().isEmpty()) {
                BatchResultErrorEntry first = response.failed().get(0);
                throw new IllegalStateException(response.failed().size() + " invoice jobs not queued, first: " + first.code() + " " + first.message());
            }
        }
    }
}
