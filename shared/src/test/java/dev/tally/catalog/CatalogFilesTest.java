package dev.tally.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build-time check of the repository's catalog files: the schemas are valid draft 2020-12 schemas, and
 * {@code catalog/catalog.json} (the one catalog the functions, the local runtime and the demo read) and every example
 * price in {@code catalog/examples/} pass them and the loader's checks. A file that fails names its problems here.
 */
class CatalogFilesTest {
    /** catalog/, from the shared module's directory (Maven runs the tests there). */
    static final Path CATALOG_DIR = Path.of("..", "catalog");

    @Test
    void schemasAreValidDraft202012Schemas() throws IOException {
        JsonSchema meta = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        for (String name : List.of("catalog.schema.json", "price.schema.json")) {
            JsonNode schema = CatalogLoader.read(name, Files.readString(CATALOG_DIR.resolve("schema").resolve(name)));
            assertThat(meta.validate(schema)).as(name).isEmpty();
            assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        }
    }

    @Test
    void theCatalogPassesItsSchemaAndChecks() throws IOException {
        Catalog fromFile = CatalogLoader.fromFile(CATALOG_DIR.resolve("catalog.json"));
        assertThat(fromFile).isEqualTo(CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE));
        assertThat(Files.readString(CATALOG_DIR.resolve("catalog.json")))
                .as("the classpath copy is the repository's file")
                .isEqualTo(new String(CatalogLoader.class.getClassLoader().getResourceAsStream(CatalogLoader.DEFAULT_RESOURCE)
                        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void everyExamplePriceIsValid() throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(CATALOG_DIR.resolve("examples"))) {
            examples = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(9);
        for (Path example : examples) {
            assertThat(CatalogLoader.priceFromFile(example).id()).as(example.toString()).isNotBlank();
        }
    }
}
