package dev.tally.local.template;

import java.util.List;
import java.util.Optional;

/**
 * Typed view of an {@code AWS::DynamoDB::Table} resource: what is needed to create the table locally.
 *
 * @param logicalId the resource's logical id, which is also its local table name
 * @param billingMode {@code PAY_PER_REQUEST} (the default) or {@code PROVISIONED}
 * @param attributeDefinitions the key attributes and their types ({@code S}, {@code N} or {@code B})
 * @param keySchema the table's HASH (and optional RANGE) key
 * @param globalSecondaryIndexes the GSIs, in template order
 * @param localSecondaryIndexes the LSIs, in template order
 * @param streamViewType the {@code StreamSpecification.StreamViewType} (e.g. {@code NEW_AND_OLD_IMAGES}); empty when
 *     the table has no stream
 * @param timeToLiveAttribute the TTL attribute when {@code TimeToLiveSpecification.Enabled} is true
 */
public record TableResource(
        String logicalId,
        String billingMode,
        List<AttributeDefinition> attributeDefinitions,
        List<KeyElement> keySchema,
        List<SecondaryIndex> globalSecondaryIndexes,
        List<SecondaryIndex> localSecondaryIndexes,
        Optional<String> streamViewType,
        Optional<String> timeToLiveAttribute) {

    /** One {@code AttributeDefinitions} entry: attribute name and scalar type {@code S}, {@code N} or {@code B}. */
    public record AttributeDefinition(String attributeName, String attributeType) {
    }

    /** One {@code KeySchema} entry: attribute name and key type {@code HASH} or {@code RANGE}. */
    public record KeyElement(String attributeName, String keyType) {
    }

    /**
     * A global or local secondary index.
     *
     * @param indexName the index name
     * @param keySchema its key
     * @param projectionType {@code ALL}, {@code KEYS_ONLY} or {@code INCLUDE}
     * @param nonKeyAttributes the attributes projected with {@code INCLUDE}
     */
    public record SecondaryIndex(String indexName, List<KeyElement> keySchema, String projectionType,
                                 List<String> nonKeyAttributes) {
    }
}
