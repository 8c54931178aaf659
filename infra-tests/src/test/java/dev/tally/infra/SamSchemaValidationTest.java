package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * template.yaml against the AWS SAM JSON schema ({@code tools/iac-check/schemas/sam.schema.json}, from
 * aws/serverless-application-model {@code schema_source/sam.schema.json}, Apache-2.0): the SAM resources and Globals
 * strictly (no unknown property, required ones present), other CloudFormation resources only by their Type. A
 * second opinion next to AWS's validator, which runs the SAM transform and may stop at its first error.
 */
class SamSchemaValidationTest {

    private static final String SAM_RESOURCE_DEFINITION = "samtranslator__internal__schema_source__aws_serverless_%s__Resource";

    private static JsonNode schemaTree;
    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        schemaTree = Hcl.JSON.readTree(Tools.iacCheck().resolve("schemas/sam.schema.json").toFile());
        schema = factory().getSchema(schemaTree);
    }

    @Test
    void templateMatchesTheSamSchema() throws IOException {
        JsonNode template = SystemDescription.YAML.readTree(Tools.template().toFile());
        Set<ValidationMessage> errors = schema.validate(template);
        assertThat(errors).as(() -> "template.yaml does not match the SAM schema:\n" + explain(template, errors)).isEmpty();
    }

    /** The schema is strict where it matters: a misspelt property of a SAM function is caught (not vacuous). */
    @Test
    void aMisspeltFunctionPropertyIsCaught() throws IOException {
        String broken = Files.readString(Tools.template())
                .replaceFirst("(?m)^(\\s+)Handler:", "$1Handlr:");
        JsonNode template = SystemDescription.YAML.readTree(broken);
        Set<ValidationMessage> errors = schema.validate(template);
        assertThat(errors).isNotEmpty();
        assertThat(explain(template, errors)).contains("Handlr");
    }

    /** Draft 4, plus the two annotations the SAM schema adds, so that they are known rather than warned about. */
    private static JsonSchemaFactory factory() {
        JsonMetaSchema draft4 = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                .keyword(new NonValidationKeyword("__samPassThrough"))
                .keyword(new NonValidationKeyword("markdownDescription"))
                .build();
        return JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4))
                .metaSchema(draft4)
                .build();
    }

    /**
     * The schema's Resources are an anyOf over every resource kind, so a bad function yields errors for every kind
     * it is not. For a readable message, each SAM resource is validated again against its own kind's definition.
     */
    private static String explain(JsonNode template, Set<ValidationMessage> errors) {
        Set<String> lines = new TreeSet<>();
        template.path("Resources").fields().forEachRemaining(r -> {
            String type = r.getValue().path("Type").asText();
            if (!type.startsWith("AWS::Serverless::")) {
                return;
            }
            String definition = SAM_RESOURCE_DEFINITION.formatted(type.substring("AWS::Serverless::".length()).toLowerCase());
            if (!schemaTree.path("definitions").has(definition)) {
                lines.add("Resources." + r.getKey() + ": no schema definition for " + type);
                return;
            }
            ObjectNode only = schemaTree.deepCopy();
            only.remove(List.of("properties", "required", "type", "additionalProperties"));
            only.put("$ref", "#/definitions/" + definition);
            for (ValidationMessage m : factory().getSchema(only).validate(r.getValue())) {
                lines.add("Resources." + r.getKey() + ": " + m.getMessage());
            }
        });
        List<String> other = new ArrayList<>();
        for (ValidationMessage m : errors) {
            if (!m.getInstanceLocation().toString().startsWith("$.Resources")) {
                other.add(m.getMessage());
            }
        }
        lines.addAll(other);
        if (lines.isEmpty()) {
            errors.stream().limit(50).forEach(m -> lines.add(m.getMessage()));
        }
        return "  " + String.join("\n  ", lines);
    }
}
