package dev.tally.infra;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every alarm names its runbook, and the runbook exists: each alarm description in the Terraform modules and
 * template.yaml that names one ({@code Runbook: docs/runbooks/<name>.md}, {@code ${local.runbooks}/<name>.md} in the
 * stack, or a {@code runbook = "<name>.md"} entry) points at a file in docs/runbooks/; every description written in
 * the stack's monitoring.tf names one. (The stack's terraform test checks the planned alarm descriptions too.)
 */
class AlarmRunbooksTest {
    private static final Pattern RUNBOOK = Pattern.compile(
            "Runbook: (?:docs/runbooks|\\$\\{local\\.runbooks})/([a-z0-9-]+\\.md)|runbook\\s*=\\s*\"([a-z0-9-]+\\.md)\"");

    @Test
    void everyRunbookAnAlarmNamesExists() throws IOException {
        Path root = Tools.repoRoot();
        List<String> missing = new ArrayList<>();
        int named = 0;
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> tf = Files.walk(root.resolve("infra-terraform"))) {
            tf.filter(p -> p.toString().endsWith(".tf") && !p.toString().contains(".terraform")).forEach(sources::add);
        }
        sources.add(root.resolve("template.yaml"));
        for (Path source : sources) {
            Matcher m = RUNBOOK.matcher(Files.readString(source));
            while (m.find()) {
                named++;
                String runbook = m.group(1) != null ? m.group(1) : m.group(2);
                if (!Files.isRegularFile(root.resolve("docs/runbooks").resolve(runbook))) {
                    missing.add(root.relativize(source) + " -> " + runbook);
                }
            }
        }
        assertThat(named).as("alarms naming a runbook").isGreaterThanOrEqualTo(15);
        assertThat(missing).as("runbooks named by alarms but missing from docs/runbooks/").isEmpty();
    }

    @Test
    void everyAlarmDescriptionOfTheStacksMonitoringNamesARunbook() throws IOException {
        String monitoring = Files.readString(Tools.repoRoot().resolve("infra-terraform/modules/tally-stack/monitoring.tf"));
        Matcher descriptions = Pattern.compile("description\\s*=\\s*\"(.*)\"").matcher(monitoring);
        List<String> without = new ArrayList<>();
        int written = 0;
        while (descriptions.find()) {
            written++;
            if (!descriptions.group(1).contains("Runbook: ${local.runbooks}/")) {
                without.add(descriptions.group(1));
            }
        }
        assertThat(written).as("alarm descriptions written in monitoring.tf").isGreaterThanOrEqualTo(8);
        assertThat(without).as("alarm descriptions without a runbook").isEmpty();
    }
}
