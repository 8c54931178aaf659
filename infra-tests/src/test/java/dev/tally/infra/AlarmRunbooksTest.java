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
 * Every alarm names its runbook, and the runbook exists: each {@code alarm_description} in the Terraform modules and
 * each {@code AlarmDescription} of template.yaml that names one ({@code Runbook: docs/runbooks/<name>.md}, or
 * {@code ${local.runbooks}/<name>.md} in the stack) points at a file in docs/runbooks/; the stack's alarms
 * (monitoring.tf) all name one.
 */
class AlarmRunbooksTest {
    private static final Pattern RUNBOOK = Pattern.compile("Runbook: (?:docs/runbooks|\\$\\{local\\.runbooks})/([a-z0-9-]+\\.md)");

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
                if (!Files.isRegularFile(root.resolve("docs/runbooks").resolve(m.group(1)))) {
                    missing.add(root.relativize(source) + " -> " + m.group(1));
                }
            }
        }
        assertThat(named).as("alarms naming a runbook").isGreaterThanOrEqualTo(15);
        assertThat(missing).as("runbooks named by alarms but missing from docs/runbooks/").isEmpty();
    }

    @Test
    void everyAlarmOfTheStacksMonitoringNamesARunbook() throws IOException {
        String monitoring = Files.readString(Tools.repoRoot().resolve("infra-terraform/modules/tally-stack/monitoring.tf"));
        Matcher descriptions = Pattern.compile("alarm_description\\s*=\\s*\"(.*)\"").matcher(monitoring);
        List<String> without = new ArrayList<>();
        int alarms = 0;
        while (descriptions.find()) {
            alarms++;
            if (!RUNBOOK.matcher(descriptions.group(1)).find()) {
                without.add(descriptions.group(1));
            }
        }
        assertThat(alarms).isEqualTo((int) Pattern.compile("resource \"aws_cloudwatch_metric_alarm\"").matcher(monitoring).results().count());
        assertThat(without).as("alarm descriptions without a runbook").isEmpty();
    }
}
