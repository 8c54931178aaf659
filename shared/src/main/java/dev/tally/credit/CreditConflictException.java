package dev.tally.credit;

/**
 * A grant's remaining amount changed between reading it and writing an entry against it (another invoice, an
 * expiry or a revocation came first), or DynamoDB cancelled the write for a concurrent transaction. Transient: read
 * the grants again, plan again, retry.
 */
public final class CreditConflictException extends RuntimeException {
    /**
     * @param message which write, and why
     * @param cause the store's exception
     */
    public CreditConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
