package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Terraform files parsed by HashiCorp's HCL parser ({@code tools/iac-check/hcl2json.mjs}, {@code @cdktf/hcl2json}).
 * Literals come out as JSON values; any other expression as a string {@code "${...}"} holding its source text;
 * blocks as arrays of objects.
 */
final class Hcl {

    static final ObjectMapper JSON = new ObjectMapper();

    private static Map<Path, Parsed> all;

    private Hcl() {
    }

    /** One file's result: its JSON form, or the parser's errors. */
    record Parsed(Path file, JsonNode json, List<String> errors) {

        boolean ok() {
            return errors.isEmpty();
        }
    }

    /** @return every .tf (and .tftest.hcl) file under infra-terraform, outside .terraform directories, sorted */
    static List<Path> terraformFiles() {
        try (Stream<Path> files = Files.walk(Tools.terraformRoot())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tf")
                            || p.getFileName().toString().endsWith(".tftest.hcl"))
                    .filter(p -> !p.toString().contains("/.terraform/") && !p.toString().contains("\\.terraform\\"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return every Terraform file under infra-terraform, parsed once per test run */
    static synchronized Map<Path, Parsed> all() {
        if (all == null) {
            all = parse(terraformFiles());
        }
        return all;
    }

    /** Parses the files with one node process. */
    static Map<Path, Parsed> parse(Collection<Path> files) {
        List<String> args = files.stream().map(p -> p.toAbsolutePath().toString()).toList();
        Tools.Result result = Tools.node("hcl2json.mjs", args);
        if (result.exitCode() != 0 && result.exitCode() != 1) {
            throw new AssertionError("hcl2json.mjs failed:\n" + result.describe());
        }
        JsonNode array;
        try {
            array = JSON.readTree(result.stdout());
        } catch (IOException e) {
            throw new AssertionError("hcl2json.mjs printed something that is not JSON:\n" + result.describe(), e);
        }
        Map<Path, Parsed> parsed = new LinkedHashMap<>();
        for (JsonNode entry : array) {
            Path file = Path.of(entry.path("file").asText());
            List<String> errors = new ArrayList<>();
            for (JsonNode e : entry.path("errors")) {
                errors.add(Tools.repoRoot().relativize(file) + ":" + e.path("line").asText("?") + ":"
                        + e.path("column").asText("?") + ": " + e.path("summary").asText()
                        + (e.path("detail").asText("").isEmpty() ? "" : "; " + e.path("detail").asText()));
            }
            parsed.put(file, new Parsed(file, entry.get("json"), errors));
        }
        return parsed;
    }
}
