package dev.tally.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The catalog's JSON Schemas (draft 2020-12), {@code catalog/schema/catalog.schema.json} and
 * {@code price.schema.json}, read from the classpath once and applied with networknt's validator. A schema's
 * {@code message} keywords are its error texts.
 */
final class CatalogSchemas {
    /** Classpath location of the schema of a whole catalog. */
    static final String CATALOG = "classpath:catalog/schema/catalog.schema.json";
    /** Classpath location of the schema of one price. */
    static final String PRICE = "classpath:catalog/schema/price.schema.json";

    private CatalogSchemas() {
    }

    /** Built on first use, once per class loader (the holder idiom keeps it lazy and thread-safe). */
    private static final class Holder {
        private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
                .errorMessageKeyword("message")
                .pathType(PathType.JSON_PATH)
                .build();
        static final JsonSchema CATALOG_SCHEMA = FACTORY.getSchema(SchemaLocation.of(CATALOG), CONFIG);
        static final JsonSchema PRICE_SCHEMA = FACTORY.getSchema(SchemaLocation.of(PRICE), CONFIG);
    }

    /**
     * @param file the file's name, for the problems
     * @param document the parsed catalog
     * @return the problems the catalog schema finds, by path; empty when valid
     */
    static List<CatalogException.Problem> catalogProblems(String file, JsonNode document) {
        return problems(Holder.CATALOG_SCHEMA, file, document);
    }

    /**
     * @param file the file's name, for the problems
     * @param document the parsed price
     * @return the problems the price schema finds, by path; empty when valid
     */
    static List<CatalogException.Problem> priceProblems(String file, JsonNode document) {
        return problems(Holder.PRICE_SCHEMA, file, document);
    }

    private static List<CatalogException.Problem> problems(JsonSchema schema, String file, JsonNode document) {
        List<CatalogException.Problem> problems = new ArrayList<>();
        for (ValidationMessage m : schema.validate(document)) {
            String path = m.getInstanceLocation().toString();
            String reason = m.getError();
            if ("additionalProperties".equals(m.getType()) && m.getProperty() != null) {
                path = child(path, m.getProperty());
                reason = "unknown field (not in the schema)";
            } else if ("required".equals(m.getType()) && m.getProperty() != null && reason.startsWith("required property")) {
                path = child(path, m.getProperty());
                reason = "required field is missing";
            }
            problems.add(new CatalogException.Problem(file, path, reason));
        }
        problems.sort(REPORT_ORDER);
        return problems;
    }

    /** By path in document order ({@code $.prices[2]} before {@code $.prices[10]}), then by reason. */
    static final Comparator<CatalogException.Problem> REPORT_ORDER = Comparator
            .comparing((CatalogException.Problem p) -> sortKey(p.path())).thenComparing(CatalogException.Problem::reason);

    private static String sortKey(String path) {
        return java.util.regex.Pattern.compile("\\[(\\d+)]").matcher(path)
                .replaceAll(r -> "[" + "0".repeat(Math.max(0, 10 - r.group(1).length())) + r.group(1) + "]");
    }

    /** @return the path of {@code property} inside the object at {@code path} */
    static String child(String path, String property) {
        return property.matches("[A-Za-z_][A-Za-z0-9_]*") ? path + "." + property : path + "['" + property + "']";
    }
}
