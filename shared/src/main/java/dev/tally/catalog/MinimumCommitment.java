package dev.tally.catalog;

import java.util.Objects;

/**
 * A plan's minimum commitment (the catalog's {@code minimum_commitment}): the least the plan bills per full billing
 * period. When a period's charges under the plan fall short, a true-up line bills the difference (docs/design.md,
 * "Catalog").
 *
 * @param amountMinor the commitment per full billing period, in minor units of the plan's currency, positive; the
 *                    {@code unit_amount} of the commitment's price
 * @param priceId the id of the licensed price that publishes the commitment, carried by the true-up line
 */
public record MinimumCommitment(long amountMinor, String priceId) {
    /** @throws IllegalArgumentException if the amount is not positive */
    public MinimumCommitment {
        Objects.requireNonNull(priceId, "priceId");
        if (amountMinor <= 0) {
            throw new IllegalArgumentException("a minimum commitment must be positive, was " + amountMinor);
        }
    }
}
