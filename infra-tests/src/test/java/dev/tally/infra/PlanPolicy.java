package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules a Terraform plan must keep, checked on its JSON form ({@code terraform show -json <plan>}, format 1.x:
 * {@code resource_changes} with {@code after} / {@code after_unknown}, and {@code configuration} with each
 * expression's references). Each rule has an id and says which resource broke it:
 *
 * <ul>
 *   <li>{@link #WILDCARD_ACTION}: an Allow statement with a {@code *} in an action (IAM policies, policy documents,
 *       resource policies), or, in an identity policy, a {@code "*"} resource for an action that supports
 *       resource-level permissions;</li>
 *   <li>{@link #MISSING_KMS_KEY}: a table, queue, log group, function environment, topic, bus or bucket without a
 *       customer managed KMS key;</li>
 *   <li>{@link #DELETION_PROTECTION_OFF}: a DynamoDB table that can be deleted;</li>
 *   <li>{@link #ALARM_WITHOUT_ACTION}: a metric alarm that notifies nobody;</li>
 *   <li>{@link #UNQUALIFIED_TRIGGER}: an event source mapping, API integration, schedule, event rule target or
 *       invoke permission that names a function rather than an alias (or version), so that a deployment would move
 *       all traffic at once.</li>
 * </ul>
 *
 * <p>Values only known after apply are judged by what the configuration says they reference, followed through
 * module outputs and variables to the resource that produces them.
 */
final class PlanPolicy {

    static final String WILDCARD_ACTION = "wildcard-action";
    static final String MISSING_KMS_KEY = "missing-kms-key";
    static final String DELETION_PROTECTION_OFF = "deletion-protection-off";
    static final String ALARM_WITHOUT_ACTION = "alarm-without-action";
    static final String UNQUALIFIED_TRIGGER = "unqualified-trigger";

    /** Actions that take only {@code "*"} as resource (no resource-level permissions). */
    private static final Set<String> RESOURCELESS_ACTIONS = Set.of(
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries", "cloudwatch:PutMetricData", "sts:GetCallerIdentity");

    /** Resource type -> the attribute path that must name a KMS key. */
    private static final List<String[]> KMS_ATTRIBUTES = List.of(
            new String[] {"aws_dynamodb_table", "server_side_encryption", "kms_key_arn"},
            new String[] {"aws_sqs_queue", "kms_master_key_id"},
            new String[] {"aws_cloudwatch_log_group", "kms_key_id"},
            new String[] {"aws_lambda_function", "kms_key_arn"},
            new String[] {"aws_sns_topic", "kms_master_key_id"},
            new String[] {"aws_cloudwatch_event_bus", "kms_key_identifier"},
            new String[] {"aws_s3_bucket_server_side_encryption_configuration", "rule",
                    "apply_server_side_encryption_by_default", "kms_master_key_id"});

    private static final Pattern QUALIFIED_FUNCTION_ARN =
            Pattern.compile("arn:[^:]+:lambda:[^:]+:\\d+:function:[^:/]+:[^:/]+");
    private static final Pattern FUNCTION_ARN = Pattern.compile("arn:[^:]+:lambda:[^:]+:\\d+:function:[^/]+?(?=/|$)");

    /** One broken rule. */
    record Violation(String rule, String address, String detail) {

        @Override
        public String toString() {
            return rule + " " + address + ": " + detail;
        }
    }

    private final JsonNode plan;
    private final List<Violation> violations = new ArrayList<>();

    private PlanPolicy(JsonNode plan) {
        this.plan = plan;
    }

    /** @return every rule the plan breaks, in the order of its resource changes */
    static List<Violation> check(JsonNode plan) {
        PlanPolicy policy = new PlanPolicy(plan);
        for (JsonNode change : plan.path("resource_changes")) {
            if (change.path("change").path("actions").toString().equals("[\"delete\"]")) {
                continue;
            }
            policy.checkResource(change);
        }
        return policy.violations;
    }

    private void checkResource(JsonNode change) {
        String type = change.path("type").asText();
        String address = change.path("address").asText();
        JsonNode after = change.path("change").path("after");
        JsonNode unknown = change.path("change").path("after_unknown");

        if (change.path("mode").asText().equals("data") && type.equals("aws_iam_policy_document")) {
            statements(address, after.path("statement"), true);
        }
        after.fields().forEachRemaining(f -> {
            if ((f.getKey().equals("policy") || f.getKey().endsWith("_policy")) && f.getValue().isTextual()) {
                policyJson(address + "." + f.getKey(), f.getValue().asText());
            }
        });

        for (String[] kms : KMS_ATTRIBUTES) {
            if (kms[0].equals(type) && !set(after, unknown, kms, 1)) {
                violations.add(new Violation(MISSING_KMS_KEY, address, String.join(".", List.of(kms).subList(1, kms.length))
                        + " does not name a customer managed KMS key"));
            }
        }

        switch (type) {
            case "aws_dynamodb_table" -> {
                if (!after.path("deletion_protection_enabled").asBoolean(false)) {
                    violations.add(new Violation(DELETION_PROTECTION_OFF, address, "deletion_protection_enabled is not true"));
                }
            }
            case "aws_cloudwatch_metric_alarm" -> {
                boolean actionsUnknown = unknown.path("alarm_actions").asBoolean(false)
                        || unknown.path("alarm_actions").toString().contains("true");
                if (!after.path("actions_enabled").asBoolean(true)
                        || (!actionsUnknown && after.path("alarm_actions").isEmpty())) {
                    violations.add(new Violation(ALARM_WITHOUT_ACTION, address, "the alarm notifies nobody (alarm_actions empty or disabled)"));
                }
            }
            case "aws_lambda_event_source_mapping" -> trigger(change, "function_name", after, unknown);
            case "aws_apigatewayv2_integration" -> trigger(change, "integration_uri", after, unknown);
            case "aws_cloudwatch_event_target" -> trigger(change, "arn", after, unknown);
            case "aws_scheduler_schedule" -> trigger(change, "target.arn", after.path("target").path(0), unknown.path("target").path(0));
            case "aws_lambda_permission" -> {
                if (after.path("qualifier").asText("").isEmpty() && !unknown.path("qualifier").asBoolean(false)) {
                    trigger(change, "function_name", after, unknown);
                }
            }
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ IAM

    private void statements(String address, JsonNode statements, boolean fromDocument) {
        for (JsonNode st : statements) {
            if (st.path(fromDocument ? "effect" : "Effect").asText("Allow").equals("Deny")) {
                continue;
            }
            List<String> actions = texts(st.path(fromDocument ? "actions" : "Action"));
            for (String action : actions) {
                if (action.contains("*")) {
                    violations.add(new Violation(WILDCARD_ACTION, address, "action " + action + " in statement "
                            + st.path(fromDocument ? "sid" : "Sid").asText("(no sid)")));
                }
            }
            boolean resourcePolicy = fromDocument ? !st.path("principals").isEmpty() : st.has("Principal");
            if (!resourcePolicy && texts(st.path(fromDocument ? "resources" : "Resource")).contains("*")
                    && !RESOURCELESS_ACTIONS.containsAll(actions)) {
                violations.add(new Violation(WILDCARD_ACTION, address, "resource \"*\" for " + actions
                        + " in statement " + st.path(fromDocument ? "sid" : "Sid").asText("(no sid)")
                        + ": these actions take resource ARNs"));
            }
        }
    }

    private void policyJson(String address, String json) {
        JsonNode doc;
        try {
            doc = Hcl.JSON.readTree(json);
        } catch (IOException e) {
            return; // not a policy document (e.g. a redrive policy is JSON too, but not IAM)
        }
        if (doc == null || !doc.has("Statement")) {
            return;
        }
        JsonNode st = doc.get("Statement");
        statements(address, st.isArray() ? st : Hcl.JSON.createArrayNode().add(st), false);
    }

    // ------------------------------------------------------------------------------------------------ KMS

    /** Whether the attribute path (blocks as single-element lists) holds a value now or after apply. */
    private static boolean set(JsonNode after, JsonNode unknown, String[] path, int from) {
        if (from == path.length - 1) {
            JsonNode value = after.path(path[from]);
            boolean known = value.isTextual() && !value.asText().isBlank();
            return known || unknown.path(path[from]).asBoolean(false);
        }
        JsonNode block = after.path(path[from]).path(0);
        JsonNode blockUnknown = unknown.path(path[from]);
        if (blockUnknown.asBoolean(false)) {
            return true;
        }
        return set(block, blockUnknown.path(0), path, from + 1);
    }

    // ------------------------------------------------------------------------------------------------ triggers

    private void trigger(JsonNode change, String attribute, JsonNode after, JsonNode unknown) {
        String address = change.path("address").asText();
        String leaf = attribute.contains(".") ? attribute.substring(attribute.indexOf('.') + 1) : attribute;
        JsonNode value = after.path(leaf);
        if (value.isTextual()) {
            String text = value.asText();
            Matcher fn = FUNCTION_ARN.matcher(text);
            if (fn.find()) {
                if (!QUALIFIED_FUNCTION_ARN.matcher(fn.group()).matches()) {
                    violations.add(new Violation(UNQUALIFIED_TRIGGER, address, attribute + " = " + text
                            + " invokes the function itself, not its alias"));
                }
                return;
            }
            if (text.contains(":lambda:") || change.path("type").asText().equals("aws_lambda_permission")) {
                violations.add(new Violation(UNQUALIFIED_TRIGGER, address, attribute + " = " + text
                        + " names a function without an alias"));
            }
            return;
        }
        if (!unknown.path(leaf).asBoolean(false)) {
            return;
        }
        List<String> targets = new References(plan.path("configuration")).resolve(change, attribute);
        boolean lambda = targets.stream().anyMatch(t -> t.startsWith("aws_lambda_"));
        if (!lambda) {
            return;
        }
        boolean qualified = targets.stream().anyMatch(t -> t.startsWith("aws_lambda_alias.")
                || t.matches("aws_lambda_function\\.[^.]+\\.qualified_(invoke_)?arn"));
        if (!qualified) {
            violations.add(new Violation(UNQUALIFIED_TRIGGER, address, attribute + " comes from " + targets
                    + ", the function itself, not its alias"));
        }
    }

    /**
     * Follows an attribute's references in the plan's configuration to the resources that produce it: through
     * {@code module.X.output} into the module, and through {@code var.x} out to the module call's argument.
     */
    private static final class References {

        private final JsonNode configuration;

        References(JsonNode configuration) {
            this.configuration = configuration;
        }

        /** @return terminal references, e.g. {@code aws_lambda_alias.live.arn}; unresolvable ones as {@code ?<ref>} */
        List<String> resolve(JsonNode change, String attribute) {
            List<JsonNode> chain = new ArrayList<>();
            JsonNode module = configuration.path("root_module");
            chain.add(module);
            String moduleAddress = change.path("module_address").asText("");
            if (!moduleAddress.isEmpty()) {
                for (String part : moduleAddress.split("\\.")) {
                    if (part.equals("module")) {
                        continue;
                    }
                    module = module.path("module_calls").path(part.replaceAll("\\[.*\\]$", "")).path("module");
                    chain.add(module);
                }
            }
            String resourceAddress = (change.path("mode").asText().equals("data") ? "data." : "")
                    + change.path("type").asText() + "." + change.path("name").asText();
            JsonNode resource = MissingNode.getInstance();
            for (JsonNode r : module.path("resources")) {
                if (r.path("address").asText().equals(resourceAddress)) {
                    resource = r;
                }
            }
            JsonNode expression = resource.path("expressions");
            for (String part : attribute.split("\\.")) {
                expression = expression.isArray() ? expression.path(0).path(part) : expression.path(part);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode ref : expression.path("references")) {
                follow(ref.asText(), chain, out, 0);
            }
            return out;
        }

        private void follow(String ref, List<JsonNode> chain, List<String> out, int depth) {
            if (depth > 20) {
                out.add("?" + ref);
                return;
            }
            JsonNode module = chain.get(chain.size() - 1);
            String[] parts = ref.split("\\.");
            if (parts[0].equals("module")) {
                if (parts.length < 3) {
                    return; // "module.x" alone accompanies "module.x.output"
                }
                JsonNode call = module.path("module_calls").path(parts[1]);
                JsonNode output = call.path("module").path("outputs").path(parts[2]);
                List<JsonNode> inner = new ArrayList<>(chain);
                inner.add(call.path("module"));
                for (JsonNode r : output.path("expression").path("references")) {
                    follow(r.asText(), inner, out, depth + 1);
                }
                return;
            }
            if (parts[0].equals("var")) {
                if (chain.size() < 2) {
                    out.add(ref);
                    return;
                }
                JsonNode parent = chain.get(chain.size() - 2);
                Optional<JsonNode> call = Optional.empty();
                var calls = parent.path("module_calls").fields();
                while (calls.hasNext()) {
                    var c = calls.next();
                    if (c.getValue().path("module") == module) {
                        call = Optional.of(c.getValue());
                    }
                }
                List<JsonNode> outer = chain.subList(0, chain.size() - 1);
                for (JsonNode r : call.map(c -> c.path("expressions").path(parts[1]).path("references"))
                        .orElse(MissingNode.getInstance())) {
                    follow(r.asText(), outer, out, depth + 1);
                }
                return;
            }
            if (parts[0].equals("local") || parts[0].equals("each") || parts[0].equals("count")
                    || parts[0].equals("path") || parts[0].equals("terraform")) {
                out.add("?" + ref);
                return;
            }
            // A resource (or data source) reference: keep the most specific form (with its attribute).
            if (parts.length >= 3 || out.stream().noneMatch(o -> o.startsWith(ref + "."))) {
                out.removeIf(o -> ref.startsWith(o + ".") || (parts.length >= 3 && o.equals(parts[0] + "." + parts[1])));
                out.add(ref);
            }
        }
    }

    private static List<String> texts(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(v -> out.add(v.asText()));
        } else if (value.isTextual()) {
            out.add(value.asText());
        }
        return out;
    }
}
