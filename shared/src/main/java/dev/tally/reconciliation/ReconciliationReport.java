package dev.tally.reconciliation;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What one reconciliation run checked and found.
 *
 * @param runId unique id of the run, {@code rec_<started at>_<random>}
 * @param trigger {@code scheduled} (after the billing run) or {@code on_demand} ({@code tally reconcile})
 * @param startedAt when the run began, seconds since the epoch
 * @param periodFrom earliest billing period start covered, inclusive, seconds since the epoch
 * @param periodTo latest period start covered, exclusive
 * @param accountId the one account reconciled, or null for all
 * @param checked how many items each check compared (usage lines, priced lines, grants and credit lines, periods,
 *                invoices), every check present
 * @param mismatches what did not agree, in the order found
 */
public record ReconciliationReport(String runId, String trigger, long startedAt, long periodFrom, long periodTo,
                                   String accountId, Map<Check, Long> checked, List<Mismatch> mismatches) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    public ReconciliationReport {
        EnumMap<Check, Long> all = new EnumMap<>(Check.class);
        for (Check c : Check.values()) {
            all.put(c, checked.getOrDefault(c, 0L));
        }
        checked = Map.copyOf(all);
        mismatches = List.copyOf(mismatches);
    }

    /** @return the number of comparisons made, all checks together */
    public long checkedTotal() {
        return checked.values().stream().mapToLong(Long::longValue).sum();
    }

    /** @return true when nothing disagreed */
    public boolean clean() {
        return mismatches.isEmpty();
    }

    /**
     * The report as JSON: {@code {"runId", "trigger", "startedAt", "periodFrom", "periodTo", "account",
     * "checked": {"total", "<check>": n, ...}, "mismatches": [{"check", "account", "meter", "periodStart", "periodEnd",
     * "invoiceId", "subject", "expected", "found"}]}}; times in seconds since the epoch.
     *
     * @return the JSON object
     */
    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("runId", runId).put("trigger", trigger).put("startedAt", startedAt)
                .put("periodFrom", periodFrom).put("periodTo", periodTo).put("account", accountId);
        ObjectNode counts = node.putObject("checked");
        counts.put("total", checkedTotal());
        for (Check c : Check.values()) {
            counts.put(c.wireName(), checked.get(c));
        }
        var list = node.putArray("mismatches");
        for (Mismatch m : mismatches) {
            list.addObject().put("check", m.check().wireName()).put("account", m.accountId()).put("meter", m.meter())
                    .put("periodStart", m.periodStart()).put("periodEnd", m.periodEnd()).put("invoiceId", m.invoiceId())
                    .put("subject", m.subject()).put("expected", m.expected()).put("found", m.found());
        }
        return node;
    }

    /** @return {@link #toJson()} as one line */
    public String toJsonString() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param json a report as {@link #toJsonString()} writes it
     * @return the report
     * @throws IllegalArgumentException if it is not one
     */
    public static ReconciliationReport fromJson(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            Map<Check, Long> checked = new EnumMap<>(Check.class);
            for (Check c : Check.values()) {
                checked.put(c, n.path("checked").path(c.wireName()).asLong());
            }
            List<Mismatch> mismatches = new ArrayList<>();
            for (JsonNode m : n.path("mismatches")) {
                mismatches.add(new Mismatch(Check.valueOf(m.path("check").asText().toUpperCase(java.util.Locale.ROOT)),
                        m.path("account").asText(null), m.path("meter").asText(null), m.path("periodStart").asLong(),
                        m.path("periodEnd").asLong(), m.path("invoiceId").asText(null), m.path("subject").asText(null),
                        m.path("expected").asText(null), m.path("found").asText(null)));
            }
            return new ReconciliationReport(n.path("runId").asText(), n.path("trigger").asText(), n.path("startedAt").asLong(),
                    n.path("periodFrom").asLong(), n.path("periodTo").asLong(), n.path("account").asText(null), checked,
                    mismatches);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("not a reconciliation report: " + e.getMessage(), e);
        }
    }
}
