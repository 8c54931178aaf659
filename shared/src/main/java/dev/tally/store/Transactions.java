package dev.tally.store;

import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.util.List;

/**
 * Reading why a DynamoDB transaction was cancelled. {@code CancellationReasons} come in the order of the
 * transaction's items, with code {@code None} for items that were fine
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
public final class Transactions {

    private Transactions() {
    }

    /**
     * @param e the cancellation
     * @param index position of the item in the transaction
     * @return true if that item's condition failed
     */
    public static boolean conditionFailed(TransactionCanceledException e, int index) {
        return code(e, index).equals("ConditionalCheckFailed");
    }

    /**
     * @param e the cancellation
     * @param from position of the first item to look at
     * @return true if the condition of an item at {@code from} or after failed
     */
    public static boolean conditionFailedFrom(TransactionCanceledException e, int from) {
        List<CancellationReason> reasons = e.cancellationReasons();
        for (int i = from; reasons != null && i < reasons.size(); i++) {
            if (conditionFailed(e, i)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param e the cancellation
     * @return true if any item conflicted with a concurrent transaction (safe to retry)
     */
    public static boolean conflict(TransactionCanceledException e) {
        List<CancellationReason> reasons = e.cancellationReasons();
        return reasons != null && reasons.stream().anyMatch(r -> "TransactionConflict".equals(r.code()));
    }

    private static String code(TransactionCanceledException e, int index) {
        List<CancellationReason> reasons = e.cancellationReasons();
        if (reasons == null || index >= reasons.size() || reasons.get(index).code() == null) {
            return "None";
        }
        return reasons.get(index).code();
    }
}
