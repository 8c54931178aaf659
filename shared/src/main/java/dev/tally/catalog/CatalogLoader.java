package dev.tally.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tally.dunning.DunningPolicy;
import dev.tally.dunning.DunningState;
import dev.tally.money.Currencies;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a catalog ({@code catalog/catalog.json}) or one price (the shape of {@code catalog/examples/*.json}) and
 * validates it, exactly:
 * <ol>
 *   <li>JSON is read with every number exact (decimals as {@link BigDecimal}, never through a {@code double}) and
 *       duplicate keys refused;</li>
 *   <li>the document is checked against the JSON Schema ({@code catalog/schema/catalog.schema.json} or
 *       {@code price.schema.json}, draft 2020-12, unknown fields refused everywhere): Stripe's price vocabulary
 *       (https://docs.stripe.com/api/prices/object), {@code unit_amount} or {@code unit_amount_decimal} never both,
 *       {@code divide_by} a positive integer, decimals as strings with at most 12 decimals;</li>
 *   <li>then what a schema cannot say: tiers ascend and only the last is unbounded (Stripe's rule), currencies are
 *       ISO 4217 codes, ids are unique, references (meters, prices) exist, a plan's prices have its currency and
 *       interval, {@code meter_filter} keys are dimensions of the meter, a meter's filtered prices in a plan do not
 *       overlap (an unfiltered price of the meter bills the rest: {@link Plan#usageFilter}), a Stripe price selects
 *       one plan, a limit names a meter once per plan, dunning steps escalate (past_due first, each state once, days
 *       not decreasing).</li>
 * </ol>
 * Every problem found is reported at once, in one {@link CatalogException} naming file, JSON path and reason.
 */
public final class CatalogLoader {

    /** Classpath location of the catalog shipped in every function artifact. */
    public static final String DEFAULT_RESOURCE = "catalog/catalog.json";

    /** Exact numbers (BigDecimal for decimals, long/BigInteger for integers); a repeated key is an error. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private CatalogLoader() {
    }

    /**
     * Loads the catalog from the classpath.
     *
     * @param resource classpath resource name, e.g. {@link #DEFAULT_RESOURCE}
     * @return the validated catalog
     * @throws CatalogException if the resource is missing or the catalog is invalid (every problem, with file, JSON
     *                          path and reason)
     * @throws UncheckedIOException if the resource cannot be read
     */
    public static Catalog fromClasspath(String resource) {
        try (InputStream in = CatalogLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new CatalogException(List.of(new CatalogException.Problem(resource, "$", "not found on the classpath")));
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read catalog " + resource, e);
        }
    }

    /**
     * Loads a catalog file.
     *
     * @param file the file; problems name it as given
     * @return the validated catalog
     * @throws CatalogException if the catalog is invalid
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Catalog fromFile(Path file) {
        return parse(file.toString(), readFile(file));
    }

    /**
     * Parses and validates a catalog document.
     *
     * @param file the file's name, used in problems
     * @param json the document
     * @return the validated catalog
     * @throws CatalogException listing every problem: not JSON, schema violations, then semantic ones
     */
    public static Catalog parse(String file, String json) {
        JsonNode root = read(file, json);
        throwIfAny(CatalogSchemas.catalogProblems(file, root));
        return new CatalogReader(file).catalog(root);
    }

    /**
     * Reads one price file (the price schema; {@code recurring} optional).
     *
     * @param file the file; problems name it as given
     * @return the price
     * @throws CatalogException if the price is invalid
     * @throws UncheckedIOException if the file cannot be read
     */
    public static Price priceFromFile(Path file) {
        return parsePrice(file.toString(), readFile(file));
    }

    /**
     * Parses and validates one price, as {@code tally rate --price} reads it.
     *
     * @param file the file's name, used in problems ({@code -} for standard input)
     * @param json the price document
     * @return the price; its meter is {@code recurring.meter} (not checked against a catalog)
     * @throws CatalogException listing every problem
     */
    public static Price parsePrice(String file, String json) {
        JsonNode root = read(file, json);
        throwIfAny(CatalogSchemas.priceProblems(file, root));
        CatalogReader reader = new CatalogReader(file);
        Published published = reader.price(root, "$");
        reader.throwIfAny();
        return published.price();
    }

    /**
     * Reads a JSON document exactly: decimals as {@link BigDecimal}, duplicate keys and trailing content refused.
     *
     * @param file the file's name, used in problems
     * @param json the document
     * @return the tree
     * @throws CatalogException if the text is not one JSON document (with line and column)
     */
    static JsonNode read(String file, String json) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || root.isMissingNode()) {
                throw new CatalogException(List.of(new CatalogException.Problem(file, "$", "the file is empty")));
            }
            return root;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new CatalogException(List.of(new CatalogException.Problem(file, "$", "not valid JSON" + where + ": "
                    + e.getOriginalMessage())));
        }
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void throwIfAny(List<CatalogException.Problem> problems) {
        if (!problems.isEmpty()) {
            throw new CatalogException(problems);
        }
    }

    /** A price as published in the catalog, with its {@code recurring} terms (the plan checks them). */
    record Published(Price price, String interval, int intervalCount, String usageType) {
    }

    /**
     * Turns a schema-valid document into domain types, collecting the problems a schema cannot find. One instance per
     * document.
     */
    private static final class CatalogReader {
        private final String file;
        private final List<CatalogException.Problem> problems = new ArrayList<>();

        CatalogReader(String file) {
            this.file = file;
        }

        void problem(String path, String reason) {
            problems.add(new CatalogException.Problem(file, path, reason));
        }

        void throwIfAny() {
            problems.sort(CatalogSchemas.REPORT_ORDER);
            CatalogLoader.throwIfAny(problems);
        }

        Catalog catalog(JsonNode root) {
            Map<String, Meter> meters = new LinkedHashMap<>();
            JsonNode meterNodes = root.get("meters");
            for (int i = 0; i < meterNodes.size(); i++) {
                Meter meter = meter(meterNodes.get(i));
                if (meters.putIfAbsent(meter.id(), meter) != null) {
                    problem("$.meters[" + i + "].id", "meter " + meter.id() + " is defined twice");
                }
            }
            Map<String, Published> prices = new LinkedHashMap<>();
            JsonNode priceNodes = root.get("prices");
            for (int i = 0; i < priceNodes.size(); i++) {
                String path = "$.prices[" + i + "]";
                Published published = price(priceNodes.get(i), path);
                Price price = published.price();
                if (prices.putIfAbsent(price.id(), published) != null) {
                    problem(path + ".id", "price " + price.id() + " is defined twice");
                }
                if (meters.containsKey(price.id())) {
                    problem(path + ".id", "a price id must differ from every meter id (invoice lines of unpriced meters are named after the meter)");
                }
                if (price.meter() != null) {
                    Meter meter = meters.get(price.meter());
                    if (meter == null) {
                        problem(path + ".recurring.meter", "no meter " + price.meter() + " in $.meters");
                    } else {
                        for (String key : price.dimensionFilter().keySet()) {
                            if (!meter.dimensions().contains(key)) {
                                problem(CatalogSchemas.child(path + ".meter_filter", key), "meter " + meter.id() + " has no dimension " + key
                                        + (meter.dimensions().isEmpty() ? " (it declares none)"
                                        : " (it declares " + String.join(", ", meter.dimensions()) + ")"));
                            }
                        }
                    }
                }
            }
            DunningPolicy catalogDunning = root.has("dunning") ? dunning(root.get("dunning"), "$.dunning") : DunningPolicy.DEFAULT;
            Map<String, Plan> plans = new LinkedHashMap<>();
            Map<String, String> planOfStripePrice = new HashMap<>();
            JsonNode planNodes = root.get("plans");
            for (int i = 0; i < planNodes.size(); i++) {
                String path = "$.plans[" + i + "]";
                Plan plan = plan(planNodes.get(i), path, prices, meters, catalogDunning);
                if (plans.putIfAbsent(plan.id(), plan) != null) {
                    problem(path + ".id", "plan " + plan.id() + " is defined twice");
                }
                List<String> stripePrices = plan.stripePriceIds();
                for (int s = 0; s < stripePrices.size(); s++) {
                    String other = planOfStripePrice.putIfAbsent(stripePrices.get(s), plan.id());
                    if (other != null && !other.equals(plan.id())) {
                        problem(path + ".stripe_price_ids[" + s + "]", "Stripe price " + stripePrices.get(s)
                                + " already selects plan " + other + "; a Stripe price selects one plan");
                    }
                }
            }
            throwIfAny();
            Map<String, Price> published = new LinkedHashMap<>();
            prices.forEach((id, p) -> published.put(id, p.price()));
            return new Catalog(root.get("catalog_version").asText(), meters, published, plans, catalogDunning);
        }

        Meter meter(JsonNode m) {
            String id = m.get("id").asText();
            List<String> dimensions = new ArrayList<>();
            m.path("dimensions").forEach(d -> dimensions.add(d.asText()));
            BigDecimal max = m.has("max_event_quantity") ? decimal(m.get("max_event_quantity")) : Meter.DEFAULT_MAX_EVENT_QUANTITY;
            return new Meter(id, text(m, "display_name", id), text(m, "unit", "unit"),
                    Aggregation.fromCatalog(text(m, "aggregation", "sum")), text(m, "aggregation_property", null),
                    dimensions, max);
        }

        /** A schema-valid price at {@code path}; problems are recorded, and a placeholder model stands for bad tiers. */
        Published price(JsonNode n, String path) {
            String id = n.get("id").asText();
            String currency = n.get("currency").asText();
            if (!isoCurrency(currency)) {
                problem(path + ".currency", "not an ISO 4217 currency code: " + currency);
            }
            PricingModel model;
            if ("tiered".equals(n.get("billing_scheme").asText())) {
                List<Tier> tiers = new ArrayList<>();
                JsonNode tierNodes = n.get("tiers");
                for (JsonNode t : tierNodes) {
                    JsonNode upTo = t.get("up_to");
                    tiers.add(new Tier(upTo.isTextual() ? null : decimal(upTo), amount(t, "unit_amount"), amount(t, "flat_amount")));
                }
                List<PricingModel.TierProblem> tierProblems = PricingModel.tierProblems(tiers);
                tierProblems.forEach(p -> problem(path + ".tiers[" + p.index() + "].up_to", p.reason()));
                if (!tierProblems.isEmpty()) {
                    tiers = List.of(new Tier(null, BigDecimal.ZERO, BigDecimal.ZERO)); // placeholder: the load fails anyway
                }
                model = "volume".equals(n.get("tiers_mode").asText()) ? new PricingModel.Volume(tiers)
                        : new PricingModel.Graduated(tiers);
            } else if (n.has("transform_quantity")) {
                JsonNode t = n.get("transform_quantity");
                model = new PricingModel.Package(amount(n, "unit_amount"), t.get("divide_by").decimalValue().longValueExact(),
                        "down".equals(t.get("round").asText()) ? Rounding.DOWN : Rounding.UP);
            } else {
                model = new PricingModel.PerUnit(amount(n, "unit_amount"));
            }
            JsonNode recurring = n.path("recurring");
            String meter = recurring.hasNonNull("meter") ? recurring.get("meter").asText() : null;
            Map<String, String> filter = new TreeMap<>();
            n.path("meter_filter").properties().forEach(e -> filter.put(e.getKey(), e.getValue().asText()));
            Price price = new Price(id, currency, meter, filter, model, text(n, "nickname", null));
            return new Published(price, text(recurring, "interval", null),
                    recurring.has("interval_count") ? recurring.get("interval_count").asInt() : 1,
                    text(recurring, "usage_type", null));
        }

        Plan plan(JsonNode p, String path, Map<String, Published> prices, Map<String, Meter> meters, DunningPolicy catalogDunning) {
            String id = p.get("id").asText();
            String currency = p.get("currency").asText();
            if (!isoCurrency(currency)) {
                problem(path + ".currency", "not an ISO 4217 currency code: " + currency);
            }
            String interval = text(p, "interval", "month");
            int intervalCount = p.has("interval_count") ? p.get("interval_count").asInt() : 1;
            List<String> stripePriceIds = new ArrayList<>();
            p.get("stripe_price_ids").forEach(s -> stripePriceIds.add(s.asText()));
            Terms terms = new Terms(id, currency, interval, intervalCount, prices);
            Set<String> used = new HashSet<>();

            Optional<BaseFee> baseFee = Optional.empty();
            if (p.has("base_fee")) {
                JsonNode b = p.get("base_fee");
                String at = path + ".base_fee";
                Optional<Price> price = terms.licensed(b.get("price").asText(), at + ".price", "base fee");
                List<String> chargedByStripe = new ArrayList<>();
                JsonNode charged = b.path("charged_by_stripe_prices");
                for (int i = 0; i < charged.size(); i++) {
                    chargedByStripe.add(charged.get(i).asText());
                    if (!stripePriceIds.contains(charged.get(i).asText())) {
                        problem(at + ".charged_by_stripe_prices[" + i + "]", "Stripe price " + charged.get(i).asText()
                                + " is not one of the plan's stripe_price_ids, so a subscription on it would not be on this plan");
                    }
                }
                if (price.isPresent()) {
                    used.add(price.get().id());
                    if (!(price.get().model() instanceof PricingModel.PerUnit)) {
                        problem(at + ".price", "a base fee's price is per_unit without transform_quantity (an amount per seat)");
                    } else {
                        baseFee = Optional.of(new BaseFee(price.get(), "in_arrears".equals(b.get("timing").asText())
                                ? BillingTiming.IN_ARREARS : BillingTiming.IN_ADVANCE, chargedByStripe));
                    }
                }
            }

            List<UsagePrice> usage = new ArrayList<>();
            JsonNode usageNodes = p.get("usage");
            for (int i = 0; i < usageNodes.size(); i++) {
                JsonNode u = usageNodes.get(i);
                String at = path + ".usage[" + i + "]";
                Optional<Price> price = terms.metered(u.get("price").asText(), at + ".price");
                if (price.isEmpty()) {
                    continue;
                }
                if (!used.add(price.get().id())) {
                    problem(at + ".price", "price " + price.get().id() + " is used twice in plan " + id + " (it would bill the same usage twice)");
                    continue;
                }
                UsagePrice usagePrice = new UsagePrice(price.get(), u.has("included_quantity") ? decimal(u.get("included_quantity")) : null);
                for (int j = 0; j < usage.size(); j++) {
                    Price other = usage.get(j).price();
                    if (!other.meter().equals(price.get().meter())) {
                        continue;
                    }
                    boolean bothUnfiltered = other.dimensionFilter().isEmpty() && price.get().dimensionFilter().isEmpty();
                    boolean bothFiltered = !other.dimensionFilter().isEmpty() && !price.get().dimensionFilter().isEmpty();
                    if (bothUnfiltered) {
                        problem(at + ".price", "meter " + other.meter() + " already has the unfiltered price " + other.id()
                                + " in this plan (usage[" + j + "]); a meter has at most one, which bills the usage its filtered prices do not");
                    } else if (bothFiltered && other.overlaps(price.get())) {
                        problem(at + ".price", "the meter_filter of " + price.get().id() + " " + price.get().dimensionFilter()
                                + " overlaps that of " + other.id() + " " + other.dimensionFilter() + " (usage[" + j
                                + "]): usage matching both would be billed twice; make them differ on a dimension they share");
                    }
                }
                usage.add(usagePrice);
            }

            Optional<MinimumCommitment> commitment = Optional.empty();
            if (p.has("minimum_commitment")) {
                String at = path + ".minimum_commitment.price";
                Optional<Price> price = terms.licensed(p.get("minimum_commitment").get("price").asText(), at, "minimum commitment");
                if (price.isPresent()) {
                    if (!used.add(price.get().id())) {
                        problem(at, "price " + price.get().id() + " is already the plan's base fee");
                    } else if (!(price.get().model() instanceof PricingModel.PerUnit perUnit)
                            || perUnit.unitAmount().signum() <= 0 || perUnit.unitAmount().stripTrailingZeros().scale() > 0) {
                        problem(at, "a minimum commitment's price is per_unit with a positive whole unit_amount: the commitment in minor units per billing period");
                    } else {
                        commitment = Optional.of(new MinimumCommitment(perUnit.unitAmount().longValueExact(), price.get().id()));
                    }
                }
            }
            List<String> features = new ArrayList<>();
            p.path("features").forEach(f -> features.add(f.asText()));
            List<UsageLimit> limits = new ArrayList<>();
            JsonNode limitNodes = p.path("limits");
            for (int i = 0; i < limitNodes.size(); i++) {
                JsonNode l = limitNodes.get(i);
                String at = path + ".limits[" + i + "].meter";
                String meter = l.get("meter").asText();
                if (!meters.containsKey(meter)) {
                    problem(at, "no meter " + meter + " in $.meters");
                } else if (limits.stream().anyMatch(x -> x.meter().equals(meter))) {
                    problem(at, "meter " + meter + " already has a limit in plan " + id + "; a meter has at most one");
                } else {
                    limits.add(new UsageLimit(meter, decimal(l.get("quantity_per_period")), "allowed".equals(l.get("overage").asText())));
                }
            }
            DunningPolicy dunning = p.has("dunning") ? dunning(p.get("dunning"), path + ".dunning") : catalogDunning;
            return new Plan(id, text(p, "display_name", id), stripePriceIds, currency, interval, intervalCount,
                    baseFee, usage, commitment, features, limits, dunning, alerts(p.get("alerts")));
        }

        /** A schema-valid dunning policy at {@code path}; steps that do not escalate are problems (the default stands in). */
        DunningPolicy dunning(JsonNode d, String path) {
            List<DunningPolicy.Step> steps = new ArrayList<>();
            JsonNode stepNodes = d.get("steps");
            boolean ok = true;
            for (int i = 0; i < stepNodes.size(); i++) {
                JsonNode s = stepNodes.get(i);
                DunningPolicy.Step step = new DunningPolicy.Step(DunningState.fromWire(s.get("state").asText()), s.get("after_days").asInt());
                String at = path + ".steps[" + i + "]";
                if (i == 0 && step.state() != DunningState.PAST_DUE) {
                    problem(at + ".state", "the first dunning step is past_due (the grace period with full access)");
                    ok = false;
                } else if (i > 0 && step.state().ordinal() <= steps.get(i - 1).state().ordinal()) {
                    problem(at + ".state", "dunning steps escalate past_due, restricted, suspended, each once: "
                            + step.state().wire() + " cannot follow " + steps.get(i - 1).state().wire());
                    ok = false;
                } else if (i > 0 && step.afterDays() < steps.get(i - 1).afterDays()) {
                    problem(at + ".after_days", "step " + step.state().wire() + " after " + step.afterDays()
                            + " days would come before " + steps.get(i - 1).state().wire() + " after " + steps.get(i - 1).afterDays());
                    ok = false;
                }
                steps.add(step);
            }
            DunningPolicy.RestrictedUsage usage = "refuse".equals(d.get("restricted_usage").asText())
                    ? DunningPolicy.RestrictedUsage.REFUSE : DunningPolicy.RestrictedUsage.FLAG;
            return ok ? new DunningPolicy(steps, usage) : DunningPolicy.DEFAULT; // placeholder: the load fails anyway
        }

        /** A plan's {@code alerts} (schema-valid: shares in (0, 1], positive amounts), {@link PlanAlerts#NONE} when absent. */
        private static PlanAlerts alerts(JsonNode node) {
            if (node == null) {
                return PlanAlerts.NONE;
            }
            List<BigDecimal> shares = new ArrayList<>();
            node.path("usage_shares").forEach(s -> shares.add(decimal(s)));
            List<Long> amounts = new ArrayList<>();
            node.path("spend_amounts").forEach(a -> amounts.add(a.longValue()));
            return new PlanAlerts(shares, amounts);
        }

        /** A plan's terms, which every price it references must share. */
        private final class Terms {
            private final String plan;
            private final String currency;
            private final String interval;
            private final int intervalCount;
            private final Map<String, Published> prices;

            Terms(String plan, String currency, String interval, int intervalCount, Map<String, Published> prices) {
                this.plan = plan;
                this.currency = currency;
                this.interval = interval;
                this.intervalCount = intervalCount;
                this.prices = prices;
            }

            Optional<Price> metered(String priceId, String path) {
                Optional<Published> p = shared(priceId, path);
                if (p.isPresent() && p.get().price().meter() == null) {
                    problem(path, "price " + priceId + " is licensed (no meter); usage prices are metered");
                    return Optional.empty();
                }
                return p.map(Published::price);
            }

            Optional<Price> licensed(String priceId, String path, String role) {
                Optional<Published> p = shared(priceId, path);
                if (p.isPresent() && p.get().price().meter() != null) {
                    problem(path, "price " + priceId + " is metered; a " + role + " is a licensed price (recurring.usage_type licensed)");
                    return Optional.empty();
                }
                return p.map(Published::price);
            }

            private Optional<Published> shared(String priceId, String path) {
                Published p = prices.get(priceId);
                if (p == null) {
                    problem(path, "no price " + priceId + " in $.prices");
                    return Optional.empty();
                }
                boolean ok = true;
                if (!p.price().currency().equals(currency)) {
                    problem(path, "price " + priceId + " is in " + p.price().currency() + ", plan " + plan + " in " + currency);
                    ok = false;
                }
                if (!interval.equals(p.interval()) || intervalCount != p.intervalCount()) {
                    problem(path, "price " + priceId + " recurs every " + p.intervalCount() + " " + p.interval() + ", plan "
                            + plan + " every " + intervalCount + " " + interval);
                    ok = false;
                }
                return ok ? Optional.of(p) : Optional.empty();
            }
        }

        /** An amount from {@code <field>} (whole minor units) or {@code <field>_decimal} (a decimal string); zero if neither. */
        private static BigDecimal amount(JsonNode node, String field) {
            if (node.hasNonNull(field)) {
                return node.get(field).decimalValue().stripTrailingZeros().setScale(0, java.math.RoundingMode.UNNECESSARY);
            }
            if (node.hasNonNull(field + "_decimal")) {
                return new BigDecimal(node.get(field + "_decimal").asText());
            }
            return BigDecimal.ZERO;
        }

        /** An exact decimal from a JSON integer or a decimal string (the schema allows no other form). */
        private static BigDecimal decimal(JsonNode node) {
            return node.isTextual() ? new BigDecimal(node.asText()) : node.decimalValue();
        }

        private static String text(JsonNode node, String field, String absent) {
            return node.hasNonNull(field) ? node.get(field).asText() : absent;
        }

        private static boolean isoCurrency(String code) {
            try {
                return Currencies.normalise(code).equals(code);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
