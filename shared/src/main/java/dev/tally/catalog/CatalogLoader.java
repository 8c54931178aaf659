package dev.tally.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.money.Currencies;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a catalog file (JSON, the shape of {@code catalog/catalog.json}).
 *
 * <p>Validation follows Stripe's rules for prices (https://docs.stripe.com/api/prices/create): a tiered price needs
 * {@code tiers_mode} and at least one tier, tiers ascend and only the last is unbounded ({@code "up_to": "inf"} or
 * null); {@code transform_quantity} only with {@code per_unit}; {@code unit_amount_decimal} has at most 12 decimals.
 * Tally adds: every price's meter exists, no meter is priced twice in a plan, no Stripe price id selects two plans.
 */
public final class CatalogLoader {

    /** Classpath location of the catalog shipped in every function artifact. */
    public static final String DEFAULT_RESOURCE = "catalog/catalog.json";

    private static final int MAX_DECIMALS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CatalogLoader() {
    }

    /**
     * Loads the catalog from the classpath.
     *
     * @param resource classpath resource name, e.g. {@link #DEFAULT_RESOURCE}
     * @return the validated catalog
     * @throws IllegalArgumentException if the resource is missing or the catalog is invalid (message names the field)
     */
    public static Catalog fromClasspath(String resource) {
        try (InputStream in = CatalogLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("catalog resource not found on the classpath: " + resource);
            }
            return parse(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read catalog " + resource, e);
        }
    }

    /**
     * Parses and validates a catalog document.
     *
     * @param root the JSON document
     * @return the validated catalog
     * @throws IllegalArgumentException naming the first invalid field
     */
    public static Catalog parse(JsonNode root) {
        String version = text(root, "catalog_version", "catalog");
        Map<String, Meter> meters = new LinkedHashMap<>();
        for (JsonNode m : array(root, "meters")) {
            Meter meter = meter(m);
            if (meters.put(meter.id(), meter) != null) {
                throw new IllegalArgumentException("meter " + meter.id() + " is defined twice");
            }
        }
        Map<String, Plan> plans = new LinkedHashMap<>();
        Set<String> priceIds = new HashSet<>();
        for (JsonNode p : array(root, "plans")) {
            String planId = text(p, "id", "plan");
            String where = "plan " + planId;
            String currency = Currencies.normalise(text(p, "currency", where));
            String interval = p.path("interval").asText("month");
            if (!interval.equals("month") && !interval.equals("year")) {
                throw new IllegalArgumentException(where + ": interval must be month or year, was " + interval);
            }
            int intervalCount = p.path("interval_count").asInt(1);
            if (intervalCount < 1) {
                throw new IllegalArgumentException(where + ": interval_count must be at least 1");
            }
            List<String> stripePrices = new ArrayList<>();
            for (JsonNode s : array(p, "stripe_price_ids")) {
                if (!priceIds.add(s.asText())) {
                    throw new IllegalArgumentException(where + ": stripe price " + s.asText() + " already selects another plan");
                }
                stripePrices.add(s.asText());
            }
            List<MeteredPrice> prices = new ArrayList<>();
            Set<String> pricedMeters = new HashSet<>();
            for (JsonNode price : array(p, "prices")) {
                MeteredPrice mp = price(price, where);
                if (!meters.containsKey(mp.meter())) {
                    throw new IllegalArgumentException(where + ": price for unknown meter " + mp.meter());
                }
                if (!pricedMeters.add(mp.meter())) {
                    throw new IllegalArgumentException(where + ": meter " + mp.meter() + " is priced twice");
                }
                prices.add(mp);
            }
            if (plans.put(planId, new Plan(planId, p.path("display_name").asText(planId), stripePrices, currency,
                    interval, intervalCount, prices)) != null) {
                throw new IllegalArgumentException(where + " is defined twice");
            }
        }
        return new Catalog(version, meters, plans);
    }

    private static MeteredPrice price(JsonNode n, String plan) {
        String meter = text(n, "meter", plan + " price");
        String where = plan + " price for " + meter;
        String scheme = text(n, "billing_scheme", where);
        BigDecimal included = decimal(n.get("included_quantity"), where + " included_quantity");
        if (included != null && included.signum() < 0) {
            throw new IllegalArgumentException(where + ": included_quantity must not be negative");
        }
        TransformQuantity transform = null;
        if (n.hasNonNull("transform_quantity")) {
            JsonNode t = n.get("transform_quantity");
            transform = new TransformQuantity(t.path("divide_by").asLong(0), t.path("round").asText(""));
        }
        switch (scheme) {
            case "per_unit" -> {
                BigDecimal unit = decimal(n.get("unit_amount_decimal"), where + " unit_amount_decimal");
                if (unit == null) {
                    throw new IllegalArgumentException(where + ": per_unit needs unit_amount_decimal");
                }
                nonNegative(unit, where + " unit_amount_decimal");
                return new MeteredPrice(meter, scheme, null, unit, List.of(), transform, included);
            }
            case "tiered" -> {
                if (transform != null) {
                    throw new IllegalArgumentException(where + ": transform_quantity is only allowed with per_unit");
                }
                String mode = text(n, "tiers_mode", where);
                if (!mode.equals("graduated") && !mode.equals("volume")) {
                    throw new IllegalArgumentException(where + ": tiers_mode must be graduated or volume, was " + mode);
                }
                List<Tier> tiers = new ArrayList<>();
                BigDecimal previous = BigDecimal.ZERO;
                JsonNode arr = n.path("tiers");
                if (!arr.isArray() || arr.isEmpty()) {
                    throw new IllegalArgumentException(where + ": tiered needs at least one tier");
                }
                for (int i = 0; i < arr.size(); i++) {
                    JsonNode t = arr.get(i);
                    JsonNode upToNode = t.get("up_to");
                    BigDecimal upTo = upToNode == null || upToNode.isNull() || "inf".equals(upToNode.asText())
                            ? null : decimal(upToNode, where + " tiers[" + i + "].up_to");
                    boolean last = i == arr.size() - 1;
                    if (upTo == null && !last) {
                        throw new IllegalArgumentException(where + ": only the last tier may be unbounded");
                    }
                    if (upTo != null && last) {
                        throw new IllegalArgumentException(where + ": the last tier must have up_to \"inf\"");
                    }
                    if (upTo != null && upTo.compareTo(previous) <= 0) {
                        throw new IllegalArgumentException(where + ": tiers[" + i + "].up_to must ascend");
                    }
                    BigDecimal unit = decimal(t.get("unit_amount_decimal"), where + " tiers[" + i + "].unit_amount_decimal");
                    BigDecimal flat = decimal(t.get("flat_amount_decimal"), where + " tiers[" + i + "].flat_amount_decimal");
                    if (unit == null && flat == null) {
                        throw new IllegalArgumentException(where + ": tiers[" + i + "] needs unit_amount_decimal or flat_amount_decimal");
                    }
                    nonNegative(unit, where + " tiers[" + i + "].unit_amount_decimal");
                    nonNegative(flat, where + " tiers[" + i + "].flat_amount_decimal");
                    tiers.add(new Tier(upTo, unit, flat));
                    if (upTo != null) {
                        previous = upTo;
                    }
                }
                return new MeteredPrice(meter, scheme, mode, null, tiers, null, included);
            }
            default -> throw new IllegalArgumentException(where + ": billing_scheme must be per_unit or tiered, was " + scheme);
        }
    }

    /** A meter id or property name: it becomes part of storage keys, so only these characters. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private static Meter meter(JsonNode m) {
        String id = text(m, "id", "meter");
        String where = "meter " + id;
        if (!NAME.matcher(id).matches()) {
            throw new IllegalArgumentException(where + ": id must be 1 to 64 letters, digits, '_', '-' or '.'");
        }
        Aggregation aggregation;
        try {
            aggregation = Aggregation.fromCatalog(m.path("aggregation").asText("sum"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        String property = m.hasNonNull("aggregation_property") ? m.get("aggregation_property").asText() : null;
        if (aggregation == Aggregation.UNIQUE_COUNT && (property == null || !NAME.matcher(property).matches())) {
            throw new IllegalArgumentException(where + ": aggregation unique_count needs aggregation_property, the event property to count");
        }
        if (aggregation != Aggregation.UNIQUE_COUNT && property != null) {
            throw new IllegalArgumentException(where + ": aggregation_property applies only to unique_count");
        }
        List<String> dimensions = new ArrayList<>();
        if (m.has("dimensions")) {
            for (JsonNode d : array(m, "dimensions")) {
                if (!NAME.matcher(d.asText()).matches() || dimensions.contains(d.asText())) {
                    throw new IllegalArgumentException(where + ": dimension " + d + " must be a distinct property name");
                }
                dimensions.add(d.asText());
            }
        }
        if (dimensions.size() > Meter.MAX_DIMENSIONS) {
            throw new IllegalArgumentException(where + ": at most " + Meter.MAX_DIMENSIONS + " dimensions");
        }
        BigDecimal max = m.has("max_event_quantity") ? decimal(m.get("max_event_quantity"), where + " max_event_quantity")
                : Meter.DEFAULT_MAX_EVENT_QUANTITY;
        if (max == null || max.signum() <= 0) {
            throw new IllegalArgumentException(where + ": max_event_quantity must be a positive decimal");
        }
        return new Meter(id, m.path("display_name").asText(id), m.path("unit").asText("unit"), aggregation, property,
                dimensions, max);
    }

    private static void nonNegative(BigDecimal value, String where) {
        if (value != null && value.signum() < 0) {
            throw new IllegalArgumentException(where + " must not be negative");
        }
    }

    private static BigDecimal decimal(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            BigDecimal value = new BigDecimal(node.asText());
            if (value.scale() > MAX_DECIMALS) {
                throw new IllegalArgumentException(where + " has more than " + MAX_DECIMALS + " decimals");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " is not a decimal number: " + node.asText(), e);
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": " + field + " is required");
        }
        return v.asText();
    }

    private static JsonNode array(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(field + " must be an array");
        }
        return v;
    }
}
