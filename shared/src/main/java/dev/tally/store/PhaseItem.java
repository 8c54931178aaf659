package dev.tally.store;

import dev.tally.subscription.Phase;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.util.List;

/** A {@link Phase} stored as a map inside {@link SubscriptionItem#phases}. Times are seconds since the epoch. */
public final class PhaseItem {
    public String planId;
    public Long quantity;
    public Long from;
    public Long to;

    public static final StaticTableSchema<PhaseItem> SCHEMA = StaticTableSchema.builder(PhaseItem.class)
            .newItemSupplier(PhaseItem::new)
            .addAttribute(String.class, a -> a.name("planId").getter(i -> i.planId).setter((i, v) -> i.planId = v))
            .addAttribute(Long.class, a -> a.name("quantity").getter(i -> i.quantity).setter((i, v) -> i.quantity = v))
            .addAttribute(Long.class, a -> a.name("from").getter(i -> i.from).setter((i, v) -> i.from = v))
            .addAttribute(Long.class, a -> a.name("to").getter(i -> i.to).setter((i, v) -> i.to = v))
            .build();

    /**
     * @param items stored phases, possibly null
     * @return the domain phases, oldest first
     */
    public static List<Phase> toDomain(List<PhaseItem> items) {
        return items == null ? List.of() : items.stream()
                .map(i -> new Phase(i.planId, i.quantity == null ? 1 : i.quantity, i.from, i.to)).toList();
    }

    /**
     * @param phases domain phases
     * @return their stored form
     */
    public static List<PhaseItem> fromDomain(List<Phase> phases) {
        return phases.stream().map(p -> {
            PhaseItem i = new PhaseItem();
            i.planId = p.planId();
            i.quantity = p.quantity();
            i.from = p.from();
            i.to = p.to();
            return i;
        }).toList();
    }
}
