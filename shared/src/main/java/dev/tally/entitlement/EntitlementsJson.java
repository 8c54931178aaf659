package dev.tally.entitlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.dunning.DunningPolicy;
import dev.tally.dunning.DunningState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON shape of {@link Entitlements}, the same on the entitlements item, over HTTP
 * ({@code GET /entitlements/{account}}), from {@code tally entitlements --json} and in {@code entitlements.changed}
 * events:
 *
 * <pre>{@code
 * {"account": "org_acme", "plan": "team", "access": true, "features": ["ci_builds", "image_registry"],
 *  "limits": [{"meter": "build_minutes", "quantity_per_period": "1500", "overage_allowed": true,
 *              "usage_beyond_included": "allowed"}],
 *  "prepaid": {"balance_remains": true, "available_minor": {"usd": 5000}},
 *  "dunning": {"state": "past_due", "since": 1790000000, "next_step_at": 1790604800, "restricted_usage": "refuse"},
 *  "version": 3, "updated_at": 1790000000}
 * }</pre>
 * Quantities are decimal strings, amounts minor units, times seconds since the epoch; {@code plan} and
 * {@code next_step_at} are null when absent. Numbers are read exactly (never through a {@code double}).
 */
public final class EntitlementsJson {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private EntitlementsJson() {
    }

    /** @return the entitlements as a JSON object */
    public static ObjectNode toNode(Entitlements e) {
        ObjectNode root = JSON.createObjectNode();
        root.put("account", e.accountId());
        root.put("plan", e.planId());
        root.put("access", e.accessAllowed());
        ArrayNode features = root.putArray("features");
        e.features().forEach(features::add);
        ArrayNode limits = root.putArray("limits");
        for (Entitlements.MeterLimit l : e.limits()) {
            limits.addObject().put("meter", l.meter()).put("quantity_per_period", l.quantityPerPeriod().toPlainString())
                    .put("overage_allowed", l.overageAllowed()).put("usage_beyond_included", l.beyondIncluded().wire());
        }
        ObjectNode prepaid = root.putObject("prepaid");
        prepaid.put("balance_remains", e.prepaidBalanceRemains());
        ObjectNode available = prepaid.putObject("available_minor");
        e.prepaidMinor().forEach(available::put);
        ObjectNode dunning = root.putObject("dunning");
        dunning.put("state", e.dunningState().wire());
        dunning.put("since", e.dunningSince());
        dunning.put("next_step_at", e.nextDunningStepAt());
        dunning.put("restricted_usage", e.restrictedUsage().wire());
        root.put("version", e.version());
        root.put("updated_at", e.updatedAt());
        return root;
    }

    /** @return the entitlements as compact JSON text */
    public static String toJson(Entitlements e) {
        return toNode(e).toString();
    }

    /**
     * @param json the JSON written by {@link #toJson}
     * @return the entitlements
     * @throws IllegalArgumentException if it is not that shape
     */
    public static Entitlements fromJson(String json) {
        try {
            return fromNode(JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("entitlements JSON is unreadable", e);
        }
    }

    /**
     * @param root a JSON object written by {@link #toNode}
     * @return the entitlements
     * @throws IllegalArgumentException if a value is missing or unknown
     */
    public static Entitlements fromNode(JsonNode root) {
        List<String> features = new ArrayList<>();
        root.path("features").forEach(f -> features.add(f.asText()));
        List<Entitlements.MeterLimit> limits = new ArrayList<>();
        for (JsonNode l : root.path("limits")) {
            limits.add(new Entitlements.MeterLimit(l.get("meter").asText(), new BigDecimal(l.get("quantity_per_period").asText()),
                    l.get("overage_allowed").asBoolean(),
                    Entitlements.Beyond.valueOf(l.get("usage_beyond_included").asText().toUpperCase(Locale.ROOT))));
        }
        Map<String, Long> prepaid = new LinkedHashMap<>();
        root.path("prepaid").path("available_minor").properties().forEach(p -> prepaid.put(p.getKey(), p.getValue().longValue()));
        JsonNode d = root.path("dunning");
        JsonNode plan = root.get("plan");
        JsonNode next = d.get("next_step_at");
        return new Entitlements(root.get("account").asText(), plan == null || plan.isNull() ? null : plan.asText(), features,
                limits, prepaid, DunningState.fromWire(d.get("state").asText()), d.path("since").asLong(),
                next == null || next.isNull() ? null : next.asLong(),
                DunningPolicy.RestrictedUsage.valueOf(d.get("restricted_usage").asText().toUpperCase(Locale.ROOT)),
                root.get("version").asLong(), root.get("updated_at").asLong());
    }
}
