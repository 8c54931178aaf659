package dev.tally.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schemas (draft 2020-12) of the details Tally puts on the billing bus, the alerts' ({@link AlertType}) and
 * the product events' ({@link ProductEvents}), {@code catalog/schema/events/<detail-type>.schema.json}, shipped in
 * every artifact and published for consumers. Tests check each detail published against them.
 */
public final class AlertSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertSchemas() {
    }

    /** Built on first use, once per class loader. */
    private static final class Holder {
        /** By detail-type. */
        static final Map<String, JsonSchema> SCHEMAS = new HashMap<>();

        static {
            JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
            for (AlertType type : AlertType.values()) {
                SCHEMAS.put(type.detailType(), factory.getSchema(SchemaLocation.of("classpath:" + type.schemaResource())));
            }
            for (String type : ProductEvents.SCHEMA_VERSIONS.keySet()) {
                SCHEMAS.put(type, factory.getSchema(SchemaLocation.of("classpath:catalog/schema/events/" + type + ".schema.json")));
            }
        }
    }

    /**
     * @param detailType an EventBridge detail-type (an alert's or a product event's)
     * @param detailJson the detail
     * @return what is wrong with the detail (unknown detail-type, not JSON, schema violations); empty when valid
     */
    public static List<String> problems(String detailType, String detailJson) {
        JsonSchema schema = Holder.SCHEMAS.get(detailType);
        if (schema == null) {
            return List.of("no alert or event has detail-type " + detailType);
        }
        JsonNode detail;
        try {
            detail = JSON.readTree(detailJson);
        } catch (JsonProcessingException e) {
            return List.of("the detail is not JSON: " + e.getOriginalMessage());
        }
        return schema.validate(detail).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
