package dev.tally.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/** A readable difference between two descriptions of one aspect: entity -> property -> value. */
final class Diff {

    private Diff() {
    }

    /** @return one line per difference, empty when the two agree */
    static List<String> of(Map<String, SortedMap<String, String>> template, Map<String, SortedMap<String, String>> terraform) {
        List<String> lines = new ArrayList<>();
        TreeSet<String> entities = new TreeSet<>(template.keySet());
        entities.addAll(terraform.keySet());
        for (String entity : entities) {
            SortedMap<String, String> t = template.get(entity);
            SortedMap<String, String> tf = terraform.get(entity);
            if (tf == null) {
                lines.add("only in template.yaml:  " + entity + " " + t);
                continue;
            }
            if (t == null) {
                lines.add("only in Terraform:      " + entity + " " + tf);
                continue;
            }
            TreeSet<String> properties = new TreeSet<>(t.keySet());
            properties.addAll(tf.keySet());
            List<String> differences = new ArrayList<>();
            for (String property : properties) {
                String a = t.getOrDefault(property, "<absent>");
                String b = tf.getOrDefault(property, "<absent>");
                if (!a.equals(b)) {
                    differences.add("    " + property + ":\n        template.yaml: " + a + "\n        Terraform:     " + b);
                }
            }
            if (!differences.isEmpty()) {
                lines.add(entity + "\n" + String.join("\n", differences));
            }
        }
        return lines;
    }

    /** Fails with every difference listed, once. */
    static void assertNone(String aspect, List<String> differences) {
        if (!differences.isEmpty()) {
            throw new AssertionError("template.yaml and infra-terraform/modules/tally-stack disagree on " + aspect
                    + " (" + differences.size() + "):\n  " + String.join("\n  ", differences)
                    + "\n(Terraform names are the template's logical IDs in snake_case; see SystemDescription.)");
        }
    }
}
