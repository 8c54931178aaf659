package dev.tally.alerts;

import dev.tally.store.AlertItem;
import dev.tally.store.AlertSettingsItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link AlertStore} on the alerts table: an alert is put with {@code attribute_not_exists(alertId)}; when that
 * fails the record there is read strongly consistent. Settings items share the table under
 * {@value AlertSettingsItem#KEY_PREFIX}{@code <account>}.
 */
public final class DynamoDbAlertStore implements AlertStore {
    /** Status of an alert recorded and not yet on the bus. */
    public static final String PENDING = "pending";
    /** Status of an alert whose event is on the bus. */
    public static final String PUBLISHED = "published";

    private final TallyTables tables;
    /** The alerts table seen through its settings items. */
    private final DynamoDbTable<AlertSettingsItem> settingsTable;

    /** @param tables bound tables (the alerts table) */
    public DynamoDbAlertStore(TallyTables tables) {
        this.tables = tables;
        this.settingsTable = tables.enhanced.table(tables.alerts.tableName(), AlertSettingsItem.SCHEMA);
    }

    @Override
    public Optional<AlertRecord> recordIfAbsent(AlertRecord alert) {
        AlertItem item = new AlertItem();
        item.alertId = alert.alertId();
        item.type = alert.type().detailType();
        item.accountId = alert.accountId();
        item.detail = alert.detailJson();
        item.createdAt = alert.createdAt();
        item.status = PENDING;
        try {
            tables.alerts.putItem(r -> r.item(item).conditionExpression(Expression.builder()
                    .expression("attribute_not_exists(alertId)").build()));
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            AlertItem there = tables.alerts.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(alert.alertId())));
            return Optional.of(new AlertRecord(there.alertId, AlertType.ofDetailType(there.type).orElse(alert.type()),
                    there.accountId, there.detail, there.createdAt == null ? 0 : there.createdAt, PUBLISHED.equals(there.status)));
        }
    }

    @Override
    public boolean published(String alertId) {
        AlertItem there = tables.alerts.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(alertId)));
        return there != null && PUBLISHED.equals(there.status);
    }

    @Override
    public void markPublished(String alertId) {
        tables.client.updateItem(r -> r.tableName(tables.alerts.tableName())
                .key(Map.of("alertId", AttributeValue.fromS(alertId)))
                .updateExpression("SET #s = :p")
                .conditionExpression("attribute_exists(alertId)")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(PUBLISHED))));
    }

    @Override
    public Optional<AlertSettings> settings(String accountId) {
        AlertSettingsItem item = settingsTable.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(AlertSettingsItem.KEY_PREFIX + accountId)));
        if (item == null) {
            return Optional.empty();
        }
        return Optional.of(new AlertSettings(accountId, split(item.usageShares).stream().map(BigDecimal::new).toList(),
                split(item.spendAmountsMinor).stream().map(Long::valueOf).toList(), item.balanceLowMinor, item.currency,
                item.updatedAt == null ? 0 : item.updatedAt));
    }

    @Override
    public void saveSettings(AlertSettings settings) {
        AlertSettingsItem item = new AlertSettingsItem();
        item.alertId = AlertSettingsItem.KEY_PREFIX + settings.accountId();
        item.accountId = settings.accountId();
        item.usageShares = settings.usageShares().stream().map(BigDecimal::toPlainString).collect(Collectors.joining(","));
        item.spendAmountsMinor = settings.spendAmountsMinor().stream().map(String::valueOf).collect(Collectors.joining(","));
        item.balanceLowMinor = settings.balanceLowMinor();
        item.currency = settings.currency();
        item.updatedAt = settings.updatedAt();
        settingsTable.putItem(item);
    }

    /**
     * @param item an item of the alerts table read as an alert
     * @return whether it is an alert (not an account's settings)
     */
    public static boolean isAlert(AlertItem item) {
        return item.alertId != null && !item.alertId.startsWith(AlertSettingsItem.KEY_PREFIX);
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isBlank() ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).toList();
    }
}
