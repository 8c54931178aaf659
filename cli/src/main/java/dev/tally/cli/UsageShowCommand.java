package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.account.AccountDirectory;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Meter;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.usage.UsageQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code tally usage show ACCOUNT}: an account's usage per meter over a time range, from the usage model
 * ({@link UsageQuery}: hourly buckets, and the events of the partial hours at the range's edges), split by day or
 * hour and grouped by a dimension. Without {@code --from}/{@code --to} the range is the billing period of the
 * account's subscription that contains now (or the current UTC month when it has none). Quantities are in each
 * meter's unit, by its aggregation; times are ISO-8601 UTC ({@code --json}: seconds since the epoch).
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Shows an account's usage per meter: the current period, or --from/--to; by day or hour; by a dimension.",
                "Exit code 1 when the tables cannot be read, 2 on invalid usage."})
final class UsageShowCommand extends OpsCommand {
    @Parameters(index = "0", paramLabel = "ACCOUNT", description = "The Tally account id.")
    String account;

    @Option(names = "--meter", paramLabel = "METER", description = "Only this meter (default: every meter of the catalog).")
    String meter;

    @Option(names = "--from", paramLabel = "TIME", description = "Start, inclusive: 2026-11-01, 2026-11-01T12:00:00Z or seconds since the epoch.")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "End, exclusive, in the same forms.")
    String to;

    @Option(names = "--by", paramLabel = "day|hour", description = "Split the range into UTC days or hours.")
    String by;

    @Option(names = "--group-by", paramLabel = "PROPERTY", description = "Group by one of the meter's dimensions.")
    String groupBy;

    @Option(names = "--json", description = "One JSON object per row.")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return List.of("USAGE_EVENTS_TABLE", "USAGE_BUCKETS_TABLE", "SUBSCRIPTIONS_TABLE");
    }

    @Override
    int run() {
        UsageQuery.Granularity granularity = granularity();
        Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        List<Meter> meters = new ArrayList<>();
        if (meter != null) {
            meters.add(catalog.meter(meter).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "no meter " + meter + " in the catalog (" + String.join(", ", catalog.meters().keySet()) + ")")));
        } else {
            meters.addAll(catalog.meters().values());
        }
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            TallyTables tables = connection.tables(ddb);
            long[] range = range(tables);
            UsageQuery usage = new UsageQuery(tables.usageStore(clock), catalog);
            TextTable table = new TextTable("METER", "FROM", "TO", groupBy == null ? "" : groupBy.toUpperCase(Locale.ROOT),
                    "QUANTITY", "EVENTS");
            int rows = 0;
            for (Meter m : meters) {
                if (groupBy != null && !m.dimensions().contains(groupBy)) {
                    if (meter != null) {
                        throw new ParameterException(spec.commandLine(), "meter " + m.id() + " has no dimension " + groupBy
                                + (m.dimensions().isEmpty() ? "" : " (it has " + String.join(", ", m.dimensions()) + ")"));
                    }
                    continue;
                }
                List<UsageQuery.UsageRow> found = usage.rows(account, m.id(), range[0], range[1], granularity, groupBy);
                if (found.isEmpty() && granularity == UsageQuery.Granularity.TOTAL) {
                    found = List.of(new UsageQuery.UsageRow(range[0], range[1], "", java.math.BigDecimal.ZERO, 0));
                }
                for (UsageQuery.UsageRow r : found) {
                    rows++;
                    if (json) {
                        ObjectNode node = JSON.createObjectNode().put("account", account).put("meter", m.id())
                                .put("from", r.from()).put("to", r.to()).put("quantity", r.quantity()).put("events", r.events())
                                .put("unit", m.unit()).put("aggregation", m.aggregation().catalogName());
                        if (groupBy != null) {
                            node.put(groupBy, r.group());
                        }
                        out().println(jsonLine(node));
                    } else {
                        table.row(m.id(), iso(r.from()), iso(r.to()), r.group(),
                                Words.quantity(r.quantity().signum() == 0 ? java.math.BigDecimal.ZERO : r.quantity().stripTrailingZeros(), m.unit()),
                                Long.toString(r.events()));
                    }
                }
            }
            if (!json) {
                if (rows == 0) {
                    out().println("No usage for " + account + " from " + iso(range[0]) + " to " + iso(range[1]) + ".");
                } else {
                    table.print(out(), "");
                }
            }
        }
        return 0;
    }

    private UsageQuery.Granularity granularity() {
        if (by == null) {
            return UsageQuery.Granularity.TOTAL;
        }
        return switch (by) {
            case "day" -> UsageQuery.Granularity.DAY;
            case "hour" -> UsageQuery.Granularity.HOUR;
            default -> throw new ParameterException(spec.commandLine(), "--by must be day or hour, was " + by);
        };
    }

    /** @return {from, to}: the options, else the subscription's current period, else the current UTC month */
    private long[] range(TallyTables tables) {
        long now = clock.instant().getEpochSecond();
        if (from != null || to != null) {
            if (from == null || to == null) {
                throw new ParameterException(spec.commandLine(), "--from and --to go together");
            }
            long f = time("--from", from);
            long t = time("--to", to);
            if (f >= t) {
                throw new ParameterException(spec.commandLine(), "--from must be before --to");
            }
            return new long[] {f, t};
        }
        SubscriptionItem sub = AccountDirectory.subscriptionAt(new AccountDirectory(tables).subscriptionsOf(account), now).orElse(null);
        if (sub != null) {
            BillingPeriod p = BillingPeriod.containing(sub.billingAnchor, sub.interval, sub.intervalCount, now);
            return new long[] {p.start(), p.end()};
        }
        LocalDate month = LocalDate.ofInstant(Instant.ofEpochSecond(now), ZoneOffset.UTC).withDayOfMonth(1);
        return new long[] {month.atStartOfDay(ZoneOffset.UTC).toEpochSecond(),
                month.plusMonths(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond()};
    }

    private long time(String option, String value) {
        try {
            if (value.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(value);
            }
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
            }
            return Instant.parse(value).getEpochSecond();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), option + " " + value
                    + " is not a time: use 2026-11-01, 2026-11-01T12:00:00Z or seconds since the epoch");
        }
    }

    private static String iso(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).toString();
    }
}
