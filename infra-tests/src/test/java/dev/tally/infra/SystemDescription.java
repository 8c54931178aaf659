package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.tally.infra.TerraformConfig.list;

/**
 * The system a definition describes, in terms both template.yaml and Terraform can be reduced to: for each aspect
 * (functions, tables, ...), entity -> property -> value, all as text. Entities are named by the template's logical
 * IDs (Terraform names are their snake_case: AccountsTable = module.accounts_table), functions by handler, event
 * source mappings by "handler <- source", routes by route key.
 *
 * <p>Values that refer to another resource read {@code ref:<LogicalId>}; literals {@code literal:<text>}. Defaults
 * that AWS applies when a property is absent are filled in on both sides, so that leaving a property out in one
 * definition and writing its default in the other is no difference.
 */
final class SystemDescription {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** Aspect name -> entity -> property -> value. */
    final SortedMap<String, SortedMap<String, SortedMap<String, String>>> aspects = new TreeMap<>();

    SortedMap<String, SortedMap<String, String>> aspect(String name) {
        return aspects.computeIfAbsent(name, k -> new TreeMap<>());
    }

    private SortedMap<String, String> entity(String aspect, String entity) {
        return aspect(aspect).computeIfAbsent(entity, k -> new TreeMap<>());
    }

    /** A new entity named {@code base}, or {@code base #2}, {@code #3}... when the name is taken. */
    private SortedMap<String, String> newEntity(String aspect, String base) {
        String name = base;
        for (int n = 2; aspect(aspect).containsKey(name); n++) {
            name = base + " #" + n;
        }
        return entity(aspect, name);
    }

    static final String FUNCTIONS = "functions";
    static final String TABLES = "tables";
    static final String QUEUES = "queues";
    static final String EVENT_BUSES = "event buses";
    static final String EVENT_SOURCE_MAPPINGS = "event source mappings";
    static final String HTTP_ROUTES = "HTTP routes";
    static final String SCHEDULES = "schedules";
    static final String PERMISSIONS = "function permissions";
    static final String PARAMETERS = "parameters";
    static final String OUTPUTS = "outputs";

    // =============================================================================================== template.yaml

    static SystemDescription fromTemplate(Path templateFile) {
        JsonNode t;
        try {
            t = YAML.readTree(templateFile.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SystemDescription d = new SystemDescription();
        JsonNode globals = t.path("Globals").path("Function");
        JsonNode resources = t.path("Resources");

        Set<String> deadLetterQueues = new TreeSet<>();
        resources.fields().forEachRemaining(r -> {
            JsonNode target = r.getValue().path("Properties").path("RedrivePolicy").path("deadLetterTargetArn");
            if (!target.isMissingNode()) {
                deadLetterQueues.add(samRefId(target));
            }
        });

        resources.fields().forEachRemaining(r -> {
            String id = r.getKey();
            JsonNode res = r.getValue();
            JsonNode p = res.path("Properties");
            switch (res.path("Type").asText()) {
                case "AWS::DynamoDB::Table" -> samTable(d.entity(TABLES, id), p);
                case "AWS::SQS::Queue" -> {
                    if (!deadLetterQueues.contains(id)) {
                        samQueue(d.entity(QUEUES, id), p, resources);
                    }
                }
                case "AWS::Events::EventBus" ->
                        d.entity(EVENT_BUSES, id).put("name", samName(p.path("Name")));
                case "AWS::Serverless::Function" -> samFunction(d, id, p, globals, resources);
                default -> {
                }
            }
        });

        t.path("Parameters").fields().forEachRemaining(e -> {
            SortedMap<String, String> param = d.entity(PARAMETERS, e.getKey());
            param.put("declared", "yes");
            JsonNode def = e.getValue().get("Default");
            param.put("default", defaultValue(def == null ? null : def.asText()));
        });

        t.path("Outputs").fields().forEachRemaining(e ->
                d.entity(OUTPUTS, e.getKey()).put("value", samOutputValue(e.getValue().path("Value"))));
        return d;
    }

    private static void samTable(SortedMap<String, String> table, JsonNode p) {
        table.put("billing mode", p.path("BillingMode").asText("PROVISIONED"));
        String hash = "-";
        String range = "-";
        for (JsonNode k : p.path("KeySchema")) {
            if (k.path("KeyType").asText().equals("HASH")) {
                hash = k.path("AttributeName").asText();
            } else {
                range = k.path("AttributeName").asText();
            }
        }
        table.put("hash key", hash);
        table.put("range key", range);
        List<String> attributes = new ArrayList<>();
        p.path("AttributeDefinitions").forEach(a ->
                attributes.add(a.path("AttributeName").asText() + ":" + a.path("AttributeType").asText()));
        table.put("attributes", sorted(attributes));
        for (JsonNode gsi : p.path("GlobalSecondaryIndexes")) {
            String gHash = "-";
            String gRange = "-";
            for (JsonNode k : gsi.path("KeySchema")) {
                if (k.path("KeyType").asText().equals("HASH")) {
                    gHash = k.path("AttributeName").asText();
                } else {
                    gRange = k.path("AttributeName").asText();
                }
            }
            table.put("index " + gsi.path("IndexName").asText(), index(gHash, gRange,
                    gsi.path("Projection").path("ProjectionType").asText("KEYS_ONLY")));
        }
        table.put("stream", p.path("StreamSpecification").path("StreamViewType").asText("none"));
        JsonNode ttl = p.path("TimeToLiveSpecification");
        table.put("time to live", ttl.path("Enabled").asBoolean(false) ? ttl.path("AttributeName").asText() : "none");
        table.put("point-in-time recovery",
                String.valueOf(p.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asBoolean(false)));
        JsonNode sse = p.path("SSESpecification");
        table.put("KMS key", sse.path("SSEEnabled").asBoolean(false) && sse.has("KMSMasterKeyId")
                ? samValue(sse.get("KMSMasterKeyId")) : "none");
        table.put("deletion protection", p.path("DeletionProtectionEnabled").asText("false"));
    }

    private static void samQueue(SortedMap<String, String> queue, JsonNode p, JsonNode resources) {
        queue.put("visibility timeout", p.path("VisibilityTimeout").asText("30"));
        queue.put("retention", p.path("MessageRetentionPeriod").asText("345600"));
        queue.put("KMS key", p.has("KmsMasterKeyId") ? samValue(p.get("KmsMasterKeyId")) : "none");
        JsonNode redrive = p.path("RedrivePolicy");
        if (redrive.isMissingNode()) {
            queue.put("dead-letter queue", "none");
        } else {
            JsonNode dlq = resources.path(samRefId(redrive.path("deadLetterTargetArn"))).path("Properties");
            queue.put("dead-letter queue", "maxReceiveCount=" + redrive.path("maxReceiveCount").asText()
                    + ", retention=" + dlq.path("MessageRetentionPeriod").asText("345600")
                    + ", KMS key=" + (dlq.has("KmsMasterKeyId") ? samValue(dlq.get("KmsMasterKeyId")) : "none"));
        }
    }

    private static void samFunction(SystemDescription d, String id, JsonNode p, JsonNode globals, JsonNode resources) {
        String handler = prop(p, globals, "Handler").asText();
        SortedMap<String, String> fn = d.entity(FUNCTIONS, handler);
        fn.put("logical ID", id);
        fn.put("code", p.path("CodeUri").asText());
        fn.put("runtime", prop(p, globals, "Runtime").asText());
        fn.put("architectures", sorted(texts(prop(p, globals, "Architectures"))));
        fn.put("memory", prop(p, globals, "MemorySize").asText("128"));
        fn.put("timeout", prop(p, globals, "Timeout").asText("3"));
        fn.put("tracing", prop(p, globals, "Tracing").asText("PassThrough"));
        fn.put("alias", prop(p, globals, "AutoPublishAlias").asText("none"));
        fn.put("deployment", prop(p, globals, "DeploymentPreference").path("Type").asText("none"));
        fn.put("snap start", prop(p, globals, "SnapStart").path("ApplyOn").asText("None"));
        JsonNode kmsKey = prop(p, globals, "KmsKeyArn");
        fn.put("KMS key", kmsKey.isMissingNode() ? "none" : samValue(kmsKey));
        JsonNode asyncFailure = p.path("EventInvokeConfig").path("DestinationConfig").path("OnFailure");
        fn.put("async on failure", asyncFailure.isMissingNode() ? "none" : "ref:" + samRefId(asyncFailure.path("Destination")));
        Map<String, JsonNode> env = new TreeMap<>();
        globals.path("Environment").path("Variables").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue()));
        p.path("Environment").path("Variables").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue()));
        env.forEach((k, v) -> fn.put("env " + k, samValue(v)));

        Set<String> grants = new TreeSet<>();
        if (!asyncFailure.isMissingNode()) {
            grants.add(samRefId(asyncFailure.path("Destination")) + ":send"); // SAM adds it for an SQS destination
        }
        for (JsonNode entry : p.path("Policies")) {
            // A policy guarded by a condition (Fn::If [condition, policy, AWS::NoValue]) counts as its policy:
            // Terraform expresses the same guard with a dynamic block.
            JsonNode policy = entry.has("Fn::If") ? entry.path("Fn::If").path(1) : entry;
            if (!policy.isObject()) {
                grants.add("managed policy " + policy.asText() + ":unsupported");
                continue;
            }
            if (onlyKeyUse(policy)) {
                continue; // the use of the stack's KMS key: checked by the policy tests, not compared here
            }
            policy.fields().forEachRemaining(e -> {
                JsonNode args = e.getValue();
                switch (e.getKey()) {
                    case "DynamoDBReadPolicy" -> grants.add(samRefId(args.path("TableName")) + ":read");
                    case "DynamoDBCrudPolicy" -> grants.add(samRefId(args.path("TableName")) + ":crud");
                    case "SQSSendMessagePolicy" -> grants.add(samRefId(args.path("QueueName")) + ":send");
                    case "SQSPollerPolicy" -> grants.add(samRefId(args.path("QueueName")) + ":consume");
                    case "AWSSecretsManagerGetSecretValuePolicy" -> grants.add(samRefId(args.path("SecretArn")) + ":secret");
                    case "EventBridgePutEventsPolicy" -> grants.add(samRefId(args.path("EventBusName")) + ":put-events");
                    // An inline statement: DynamoDB actions on a table are read or crud, as on the Terraform side.
                    case "Statement" -> args.forEach(st -> {
                        List<String> actions = new ArrayList<>();
                        (st.path("Action").isArray() ? st.path("Action") : List.of(st.path("Action"))).forEach(a -> actions.add(a.asText()));
                        (st.path("Resource").isArray() ? st.path("Resource") : List.of(st.path("Resource"))).forEach(r -> {
                            String target = r.path("Fn::GetAtt").path(0).asText(r.asText());
                            for (String action : actions) {
                                grants.add(target + (action.startsWith("dynamodb:") && !DYNAMODB_READ.contains(action) ? ":crud"
                                        : action.startsWith("dynamodb:") ? ":read" : ":" + action));
                            }
                        });
                    });
                    default -> grants.add(e.getKey() + ":unsupported policy template");
                }
            });
        }

        p.path("Events").fields().forEachRemaining(e -> {
            String name = e.getKey();
            JsonNode ev = e.getValue().path("Properties");
            switch (e.getValue().path("Type").asText()) {
                case "SQS" -> {
                    String queue = samRefId(ev.path("Queue"));
                    grants.add(queue + ":consume");
                    SortedMap<String, String> mapping = d.entity(EVENT_SOURCE_MAPPINGS, handler + " <- " + queue);
                    esm(mapping, "SQS",
                            ev.path("BatchSize").asText("10"),
                            ev.path("MaximumBatchingWindowInSeconds").asText("0"),
                            texts(ev.path("FunctionResponseTypes")), null, null, null,
                            samFilters(ev), null, ev.path("Enabled").asText("true"));
                    mapping.put("maximum concurrency", ev.path("ScalingConfig").path("MaximumConcurrency").asText("none"));
                }
                case "DynamoDB" -> {
                    String table = samRefId(ev.path("Stream"));
                    grants.add(table + ":stream");
                    JsonNode onFailure = ev.path("DestinationConfig").path("OnFailure");
                    String destination = onFailure.isMissingNode() ? "none" : "ref:" + samRefId(onFailure.path("Destination"));
                    if (!onFailure.isMissingNode()) {
                        grants.add(samRefId(onFailure.path("Destination")) + ":send");
                    }
                    esm(d.entity(EVENT_SOURCE_MAPPINGS, handler + " <- " + table), "DynamoDB",
                            ev.path("BatchSize").asText("100"),
                            ev.path("MaximumBatchingWindowInSeconds").asText("0"),
                            texts(ev.path("FunctionResponseTypes")),
                            ev.path("StartingPosition").asText("unset"),
                            ev.path("MaximumRetryAttempts").asText("-1"),
                            ev.path("BisectBatchOnFunctionError").asText("false"),
                            samFilters(ev), destination, ev.path("Enabled").asText("true"));
                }
                case "HttpApi" -> {
                    SortedMap<String, String> route = d.entity(HTTP_ROUTES,
                            ev.path("Method").asText("ANY").toUpperCase() + " " + ev.path("Path").asText("/"));
                    route.put("function", handler);
                    route.put("API", "HTTP");
                    route.put("integration", "AWS_PROXY");
                    route.put("payload format", ev.path("PayloadFormatVersion").asText("2.0"));
                    route.put("authorization", ev.path("Auth").path("Authorizer").asText("NONE"));
                    route.put("invoke permission", "apigateway.amazonaws.com"); // SAM adds it
                }
                case "ScheduleV2", "Schedule" -> {
                    SortedMap<String, String> schedule = d.newEntity(SCHEDULES, handler);
                    schedule.put("expression", ev.path("ScheduleExpression").asText());
                    schedule.put("retries", ev.path("RetryPolicy").path("MaximumRetryAttempts").asText("185"));
                    schedule.put("flexible window", ev.path("FlexibleTimeWindow").path("Mode").asText("OFF"));
                    schedule.put("input", scheduleInput(ev.path("Input").asText("")));
                    JsonNode dlq = ev.path("DeadLetterConfig").path("Arn");
                    schedule.put("dead-letter queue", dlq.isMissingNode() ? "none" : "ref:" + samRefId(dlq));
                    schedule.put("invoke permission", "role trusted by scheduler.amazonaws.com"); // SAM adds it
                }
                default -> d.entity(EVENT_SOURCE_MAPPINGS, handler + " <- " + name)
                        .put("type", "unsupported event type " + e.getValue().path("Type").asText());
            }
        });
        d.entity(PERMISSIONS, handler).put("grants", String.join(", ", grants));
    }

    /** A policy entry that is an inline statement list granting only KMS actions. */
    private static boolean onlyKeyUse(JsonNode policy) {
        if (!policy.has("Statement") || policy.size() != 1) {
            return false;
        }
        for (JsonNode st : policy.path("Statement")) {
            for (String action : texts(st.path("Action"))) {
                if (!action.startsWith("kms:")) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<String> samFilters(JsonNode ev) {
        List<String> patterns = new ArrayList<>();
        for (JsonNode f : ev.path("FilterCriteria").path("Filters")) {
            patterns.add(canonicalJson(f.path("Pattern").asText()));
        }
        return patterns;
    }

    private static JsonNode prop(JsonNode p, JsonNode globals, String name) {
        return p.has(name) ? p.get(name) : globals.path(name);
    }

    /** The logical ID a Ref / Fn::GetAtt points at. */
    private static String samRefId(JsonNode value) {
        if (value.has("Ref")) {
            return value.get("Ref").asText();
        }
        if (value.has("Fn::GetAtt")) {
            JsonNode att = value.get("Fn::GetAtt");
            return att.isArray() ? att.get(0).asText() : att.asText().split("\\.")[0];
        }
        return "literal:" + value.asText();
    }

    private static String samValue(JsonNode value) {
        if (value.isValueNode()) {
            return "literal:" + value.asText();
        }
        if (value.has("Ref") || value.has("Fn::GetAtt")) {
            return "ref:" + samRefId(value);
        }
        return "expression:" + value;
    }

    private static String samName(JsonNode value) {
        if (value.has("Fn::Sub")) {
            return value.get("Fn::Sub").asText().replace("${AWS::StackName}", "<prefix>");
        }
        return samValue(value);
    }

    private static String samOutputValue(JsonNode value) {
        if (value.has("Fn::Sub") && value.get("Fn::Sub").asText().contains(".execute-api.")) {
            String sub = value.get("Fn::Sub").asText();
            int host = sub.indexOf(".amazonaws.com");
            return "URL of the HTTP API + " + (host < 0 ? sub : sub.substring(host + ".amazonaws.com".length()));
        }
        return samValue(value);
    }

    // ===================================================================================================== Terraform

    static SystemDescription fromTerraform(Path environmentDir) {
        TerraformConfig env = TerraformConfig.load(environmentDir);
        SystemDescription d = new SystemDescription();

        // Everything is expected through the modules; raw resources would escape this comparison, so they show up.
        for (String raw : List.of("aws_dynamodb_table", "aws_sqs_queue", "aws_lambda_function")) {
            env.resources(raw).keySet().forEach(name -> d.entity(
                    raw.equals("aws_dynamodb_table") ? TABLES : raw.equals("aws_sqs_queue") ? QUEUES : FUNCTIONS,
                    raw + "." + name).put("defined as", "a raw resource: define it through the module"));
        }

        env.moduleCalls("dynamodb-table").forEach((name, call) -> tfTable(d.entity(TABLES, TerraformConfig.camel(name)), env, call));
        env.moduleCalls("sqs-queue").forEach((name, call) -> tfQueue(d.entity(QUEUES, TerraformConfig.camel(name)), env, call));
        env.resources("aws_cloudwatch_event_bus").forEach((name, bus) -> d.entity(EVENT_BUSES, TerraformConfig.camel(name))
                .put("name", bus.path("name").asText().replace("${var.name_prefix}", "<prefix>")));

        Map<String, String> handlers = new TreeMap<>();
        env.moduleCalls("lambda-function").forEach((name, call) -> {
            String handler = env.argument(call, "handler").asText();
            handlers.put(name, handler);
            tfFunction(d, env, name, call, handler);
        });

        env.resources("aws_lambda_event_source_mapping").forEach((name, m) -> tfEventSourceMapping(d, env, handlers, name, m));
        env.resources("aws_apigatewayv2_route").forEach((name, r) -> tfRoute(d, env, handlers, r));
        env.resources("aws_scheduler_schedule").forEach((name, s) -> tfSchedule(d, env, handlers, name, s));

        return d;
    }

    /**
     * Template parameters and Terraform variables: each parameter has a variable of the same name in snake_case,
     * with the same default. A parameter whose template default is empty (not configured, fine for local runs) may
     * be a required variable in production.
     */
    static SortedMap<String, SortedMap<String, String>> terraformParameters(Path environmentDir, Set<String> parameters) {
        TerraformConfig env = TerraformConfig.load(environmentDir);
        SortedMap<String, SortedMap<String, String>> out = new TreeMap<>();
        Map<String, String> bySnake = env.variables.keySet().stream()
                .collect(Collectors.toMap(TerraformConfig::camel, v -> v));
        for (String p : parameters) {
            String variable = bySnake.get(p);
            if (variable == null) {
                continue;
            }
            SortedMap<String, String> entry = new TreeMap<>();
            entry.put("declared", "yes");
            JsonNode def = env.variables.get(variable).get("default");
            String value;
            if (def == null) {
                value = "(not set)";
            } else if (def.isArray()) {
                List<String> parts = new ArrayList<>();
                def.forEach(x -> parts.add(x.asText()));
                value = String.join(",", parts);
            } else {
                value = def.asText();
            }
            entry.put("default", defaultValue(value));
            out.put(p, entry);
        }
        return out;
    }

    static SortedMap<String, SortedMap<String, String>> terraformOutputs(Path environmentDir) {
        TerraformConfig env = TerraformConfig.load(environmentDir);
        SortedMap<String, SortedMap<String, String>> out = new TreeMap<>();
        env.outputs.forEach((name, o) -> {
            JsonNode value = o.path("value");
            String s = value.asText();
            String rendered;
            int endpoint = s.indexOf(".api_endpoint}");
            if (endpoint >= 0 && s.startsWith("${aws_apigatewayv2_api.")) {
                rendered = "URL of the HTTP API + " + s.substring(endpoint + ".api_endpoint}".length());
            } else {
                rendered = tfValue(env, value);
            }
            out.computeIfAbsent(TerraformConfig.camel(name), k -> new TreeMap<>()).put("value", rendered);
        });
        return out;
    }

    private static void tfTable(SortedMap<String, String> table, TerraformConfig env, JsonNode call) {
        TerraformConfig module = TerraformConfig.load(env.sourceDir(call));
        JsonNode resource = module.resources("aws_dynamodb_table").get("this");
        table.put("billing mode", resource == null ? "unknown" : resource.path("billing_mode").asText());
        table.put("hash key", env.argument(call, "hash_key").asText());
        JsonNode range = env.argument(call, "range_key");
        table.put("range key", range.isNull() ? "-" : range.asText());
        List<String> attributes = new ArrayList<>();
        list(env.argument(call, "attributes")).forEach(a ->
                attributes.add(a.path("name").asText() + ":" + a.path("type").asText()));
        table.put("attributes", sorted(attributes));
        String defaultProjection = optionalDefault(module, "global_secondary_indexes", "projection_type");
        for (JsonNode gsi : list(env.argument(call, "global_secondary_indexes"))) {
            table.put("index " + gsi.path("name").asText(), index(gsi.path("hash_key").asText(),
                    gsi.hasNonNull("range_key") ? gsi.path("range_key").asText() : "-",
                    gsi.hasNonNull("projection_type") ? gsi.path("projection_type").asText() : defaultProjection));
        }
        table.put("stream", env.argument(call, "stream_enabled").asBoolean()
                ? env.argument(call, "stream_view_type").asText() : "none");
        table.put("time to live", env.argument(call, "ttl_enabled").asBoolean()
                ? env.argument(call, "ttl_attribute_name").asText() : "none");
        table.put("point-in-time recovery", env.argument(call, "point_in_time_recovery_enabled").asText());
        table.put("KMS key", tfValue(env, env.argument(call, "kms_key_arn")));
        table.put("deletion protection", env.argument(call, "deletion_protection_enabled").asText());
    }

    /** The default an {@code optional(type, default)} attribute of an object-typed variable declares. */
    private static String optionalDefault(TerraformConfig module, String variable, String attribute) {
        String type = module.variables.get(variable).path("type").asText();
        var m = Pattern.compile(attribute + "\\s*=\\s*optional\\(\\s*\\w+\\s*,\\s*\"([^\"]*)\"\\s*\\)").matcher(type);
        if (!m.find()) {
            throw new AssertionError("cannot find the default of " + variable + "." + attribute + " in " + type);
        }
        return m.group(1);
    }

    private static void tfQueue(SortedMap<String, String> queue, TerraformConfig env, JsonNode call) {
        queue.put("visibility timeout", env.argument(call, "visibility_timeout_seconds").asText());
        queue.put("retention", env.argument(call, "message_retention_seconds").asText());
        String kmsKey = tfValue(env, env.argument(call, "kms_key_arn"));
        queue.put("KMS key", kmsKey);
        queue.put("dead-letter queue", env.argument(call, "create_dlq").asBoolean()
                ? "maxReceiveCount=" + env.argument(call, "max_receive_count").asText()
                + ", retention=" + env.argument(call, "dlq_message_retention_seconds").asText()
                + ", KMS key=" + kmsKey
                : "none");
    }

    private static void tfFunction(SystemDescription d, TerraformConfig env, String name, JsonNode call, String handler) {
        SortedMap<String, String> fn = d.entity(FUNCTIONS, handler);
        fn.put("logical ID", TerraformConfig.camel(name));
        String filename = env.argument(call, "filename").asText().replace("${path.module}", ".")
                .replace("${local.artifacts_dir}", "../../../functions");
        fn.put("code", Tools.repoRoot().relativize(env.dir.resolve(filename).normalize()).toString().replace('\\', '/'));
        fn.put("runtime", env.argument(call, "runtime").asText());
        fn.put("architectures", sorted(texts(env.argument(call, "architectures"))));
        fn.put("memory", env.argument(call, "memory_size").asText());
        fn.put("timeout", env.argument(call, "timeout").asText());
        fn.put("tracing", env.argument(call, "tracing_mode").asText());
        fn.put("alias", env.argument(call, "alias_name").asText());
        fn.put("deployment", env.argument(call, "deployment_config_name").asText().replace("CodeDeployDefault.Lambda", ""));
        fn.put("snap start", env.argument(call, "snap_start").asBoolean() ? "PublishedVersions" : "None");
        fn.put("KMS key", tfValue(env, env.argument(call, "kms_key_arn")));
        boolean asyncFailure = env.argument(call, "attach_on_failure_destination").asBoolean();
        String asyncDestination = asyncFailure ? tfValue(env, env.argument(call, "on_failure_destination_arn")) : "none";
        fn.put("async on failure", asyncDestination);
        env.map(env.argument(call, "environment_variables")).forEach((k, v) -> fn.put("env " + k, tfValue(env, v)));

        Set<String> grants = new TreeSet<>();
        if (asyncFailure) {
            grants.add(asyncDestination.replaceFirst("^ref:", "") + ":send"); // the module grants it
        }
        if (env.argument(call, "attach_policy_json").asBoolean()) {
            String doc = TerraformConfig.singleRef(call.get("policy_json"))
                    .filter(r -> r.kind().equals("data") && r.type().equals("aws_iam_policy_document"))
                    .map(TerraformConfig.Ref::name)
                    .orElseThrow(() -> new AssertionError(name + ": policy_json must be data.aws_iam_policy_document.<name>.json"));
            grants.addAll(tfGrants(env, env.data("aws_iam_policy_document").get(doc)));
        }
        d.entity(PERMISSIONS, handler).put("grants", String.join(", ", grants));
    }

    private static final Set<String> DYNAMODB_READ = Set.of(
            "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeTable");
    private static final Set<String> DYNAMODB_STREAM = Set.of(
            "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams");

    /**
     * What a policy document grants, in the template's terms: {@code <LogicalId>:read|crud|stream|consume|send|
     * secret|put-events}. A table is "crud" when any statement gives it an action beyond reading.
     */
    private static Set<String> tfGrants(TerraformConfig env, JsonNode document) {
        List<JsonNode> statements = new ArrayList<>(list(document.path("statement")));
        for (JsonNode dyn : list(document.path("dynamic").path("statement"))) {
            statements.addAll(list(dyn.path("content")));
        }
        Map<String, String> tableLevel = new TreeMap<>();
        Set<String> grants = new TreeSet<>();
        for (JsonNode st : statements) {
            if (st.path("effect").asText("Allow").equals("Deny")) {
                continue;
            }
            List<String> actions = texts(env.resolveLocal(st.path("actions")));
            for (JsonNode resource : list(st.path("resources"))) {
                String r = resource.asText();
                String id = TerraformConfig.singleRef(resource).map(ref -> TerraformConfig.camel(ref.name())).orElse(r);
                for (String action : actions) {
                    if (action.startsWith("kms:")) {
                        continue; // the use of the stack's KMS key: checked by the policy tests, not compared here
                    }
                    if (DYNAMODB_STREAM.contains(action)) {
                        grants.add(id + (r.contains("/stream/") || r.contains("stream_arn") ? ":stream" : ":stream actions on a table"));
                    } else if (action.startsWith("dynamodb:")) {
                        String level = DYNAMODB_READ.contains(action) ? "read" : "crud";
                        tableLevel.merge(id, level, (a, b) -> a.equals("crud") || b.equals("crud") ? "crud" : "read");
                    } else if (Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes").contains(action)) {
                        grants.add(id + ":consume");
                    } else if (action.equals("sqs:SendMessage")) {
                        grants.add(id + ":send");
                    } else if (action.equals("secretsmanager:GetSecretValue")) {
                        grants.add(id + ":secret");
                    } else if (action.equals("events:PutEvents")) {
                        grants.add(id + ":put-events");
                    } else {
                        grants.add(id + ":" + action);
                    }
                }
            }
        }
        tableLevel.forEach((id, level) -> grants.add(id + ":" + level));
        return grants;
    }

    private static void tfEventSourceMapping(SystemDescription d, TerraformConfig env, Map<String, String> handlers,
                                             String name, JsonNode m) {
        String fnModule = TerraformConfig.singleRef(m.get("function_name")).map(TerraformConfig.Ref::name).orElse("?");
        String handler = handlers.getOrDefault(fnModule, "aws_lambda_event_source_mapping." + name + " -> " + m.get("function_name"));
        TerraformConfig.Ref source = TerraformConfig.singleRef(m.get("event_source_arn")).orElseThrow(() ->
                new AssertionError("aws_lambda_event_source_mapping." + name + ": cannot read event_source_arn " + m.get("event_source_arn")));
        String type = switch (String.valueOf(source.attribute())) {
            case "queue_arn" -> "SQS";
            case "dynamodb_table_stream_arn" -> "DynamoDB";
            default -> "unknown source " + source.attribute();
        };
        boolean stream = type.equals("DynamoDB");
        List<String> filters = new ArrayList<>();
        for (JsonNode criteria : list(m.path("filter_criteria"))) {
            for (JsonNode filter : list(criteria.path("filter"))) {
                filters.add(tfJsonValue(env, filter.path("pattern")));
            }
        }
        String destination = "none";
        for (JsonNode config : list(m.path("destination_config"))) {
            for (JsonNode onFailure : list(config.path("on_failure"))) {
                destination = "ref:" + TerraformConfig.singleRef(onFailure.path("destination_arn"))
                        .map(TerraformConfig.Ref::logicalId).orElse(onFailure.path("destination_arn").asText());
            }
        }
        SortedMap<String, String> mapping = d.entity(EVENT_SOURCE_MAPPINGS, handler + " <- " + source.logicalId());
        if (!stream) {
            mapping.put("maximum concurrency", list(m.path("scaling_config")).stream().findFirst()
                    .map(c -> env.resolveVar(c.path("maximum_concurrency")).asText()).orElse("none"));
        }
        esm(mapping, type,
                m.path("batch_size").asText(stream ? "100" : "10"),
                m.path("maximum_batching_window_in_seconds").asText("0"),
                texts(m.path("function_response_types")),
                stream ? m.path("starting_position").asText("unset") : null,
                stream ? m.path("maximum_retry_attempts").asText("-1") : null,
                stream ? m.path("bisect_batch_on_function_error").asText("false") : null,
                filters, stream ? destination : null, m.path("enabled").asText("true"));
    }

    private static void esm(SortedMap<String, String> e, String type, String batchSize, String window,
                            List<String> responseTypes, String startingPosition, String retries, String bisect,
                            List<String> filters, String onFailure, String enabled) {
        e.put("type", type);
        e.put("batch size", batchSize);
        e.put("batching window", window);
        e.put("response types", sorted(responseTypes));
        e.put("filters", sorted(filters));
        e.put("enabled", enabled);
        if (startingPosition != null) {
            e.put("starting position", startingPosition);
            e.put("max retry attempts", retries);
            e.put("bisect on error", bisect);
            e.put("on failure", onFailure);
        }
    }

    private static void tfRoute(SystemDescription d, TerraformConfig env, Map<String, String> handlers, JsonNode r) {
        String routeKey = r.path("route_key").asText();
        SortedMap<String, String> route = d.entity(HTTP_ROUTES, routeKey);
        JsonNode integration = TerraformConfig.singleRef(r.get("target"))
                .filter(ref -> "aws_apigatewayv2_integration".equals(ref.type()))
                .map(ref -> env.resources("aws_apigatewayv2_integration").get(ref.name()))
                .orElse(null);
        if (integration == null) {
            route.put("integration", "missing: target must be integrations/${aws_apigatewayv2_integration.<name>.id}");
            return;
        }
        String fnModule = TerraformConfig.singleRef(integration.get("integration_uri")).map(TerraformConfig.Ref::name).orElse("?");
        route.put("function", handlers.getOrDefault(fnModule, "not a function of this environment"));
        route.put("integration", integration.path("integration_type").asText());
        route.put("payload format", integration.path("payload_format_version").asText("1.0"));
        route.put("authorization", r.path("authorization_type").asText("NONE"));
        JsonNode api = TerraformConfig.singleRef(r.get("api_id"))
                .map(ref -> env.resources("aws_apigatewayv2_api").get(ref.name())).orElse(null);
        route.put("API", api == null ? "missing" : api.path("protocol_type").asText());

        String[] methodPath = routeKey.split(" ", 2);
        String permission = "missing";
        for (JsonNode perm : env.resources("aws_lambda_permission").values()) {
            boolean sameFunction = TerraformConfig.singleRef(perm.get("function_name"))
                    .map(ref -> ref.name().equals(fnModule)).orElse(false);
            if (!sameFunction || !perm.path("action").asText().equals("lambda:InvokeFunction")) {
                continue;
            }
            String sourceArn = perm.path("source_arn").asText();
            String suffix = sourceArn.substring(sourceArn.lastIndexOf('}') + 1);
            String regex = Arrays.stream(suffix.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining("[^/]*"));
            if (regex.endsWith("[^/]*")) {
                regex = regex.substring(0, regex.length() - "[^/]*".length()) + ".*";
            }
            String invoked = "/$default/" + methodPath[0] + (methodPath.length > 1 ? methodPath[1] : "");
            permission = perm.path("principal").asText()
                    + (invoked.matches(regex) ? "" : " (source_arn " + sourceArn + " does not cover " + invoked + ")");
        }
        route.put("invoke permission", permission);
    }

    private static void tfSchedule(SystemDescription d, TerraformConfig env, Map<String, String> handlers,
                                   String name, JsonNode s) {
        JsonNode target = list(s.path("target")).stream().findFirst().orElse(null);
        if (target == null) {
            d.entity(SCHEDULES, "aws_scheduler_schedule." + name).put("target", "missing");
            return;
        }
        String fnModule = TerraformConfig.singleRef(target.get("arn")).map(TerraformConfig.Ref::name).orElse("?");
        String handler = handlers.getOrDefault(fnModule, "aws_scheduler_schedule." + name);
        // The template names a schedule by its event, Terraform by its resource: they are paired by function.
        SortedMap<String, String> schedule = d.newEntity(SCHEDULES, handler);
        schedule.put("expression", s.path("schedule_expression").asText());
        schedule.put("retries", list(target.path("retry_policy")).stream().findFirst()
                .map(rp -> rp.path("maximum_retry_attempts").asText("185")).orElse("185"));
        schedule.put("flexible window", list(s.path("flexible_time_window")).stream().findFirst()
                .map(w -> w.path("mode").asText()).orElse("missing"));
        schedule.put("input", scheduleInput(target.path("input").asText("")));
        schedule.put("dead-letter queue", list(target.path("dead_letter_config")).stream().findFirst()
                .map(c -> tfValue(env, c.path("arn"))).orElse("none"));

        String permission = "missing";
        Optional<String> role = TerraformConfig.singleRef(target.get("role_arn"))
                .filter(r -> "aws_iam_role".equals(r.type())).map(TerraformConfig.Ref::name);
        if (role.isPresent()) {
            JsonNode roleBlock = env.resources("aws_iam_role").get(role.get());
            boolean trusted = roleBlock != null && TerraformConfig.singleRef(roleBlock.get("assume_role_policy"))
                    .map(r -> env.data("aws_iam_policy_document").get(r.name()))
                    .map(doc -> doc.toString().contains("scheduler.amazonaws.com")).orElse(false);
            boolean invokes = env.resources("aws_iam_role_policy").values().stream()
                    .filter(p -> TerraformConfig.singleRef(p.get("role")).map(r -> r.name().equals(role.get())).orElse(false))
                    .map(p -> TerraformConfig.singleRef(p.get("policy")).map(r -> env.data("aws_iam_policy_document").get(r.name())).orElse(null))
                    .filter(doc -> doc != null)
                    .flatMap(doc -> list(doc.path("statement")).stream())
                    .anyMatch(st -> texts(st.path("actions")).contains("lambda:InvokeFunction")
                            && list(st.path("resources")).stream().anyMatch(r ->
                            TerraformConfig.singleRef(r).map(ref -> ref.name().equals(fnModule)).orElse(false)));
            permission = trusted && invokes ? "role trusted by scheduler.amazonaws.com"
                    : "role " + role.get() + (trusted ? "" : " not trusted by scheduler.amazonaws.com")
                    + (invokes ? "" : " without lambda:InvokeFunction on the function");
        }
        schedule.put("invoke permission", permission);
    }

    /** A Terraform value in the same terms as {@link #samValue}. */
    private static String tfValue(TerraformConfig env, JsonNode value) {
        if (!TerraformConfig.isExpression(value)) {
            return "literal:" + value.asText();
        }
        Optional<TerraformConfig.Ref> ref = TerraformConfig.singleRef(value);
        if (ref.isPresent() && ref.get().kind().equals("local")) {
            JsonNode resolved = env.resolveLocal(value);
            return resolved == value ? "expression:" + value.asText() : tfValue(env, resolved);
        }
        return ref.map(r -> "ref:" + r.logicalId()).orElse("expression:" + value.asText());
    }

    /** {@code jsonencode(local.x)} / {@code jsonencode({...})} literal / a JSON string, as canonical JSON. */
    private static String tfJsonValue(TerraformConfig env, JsonNode value) {
        Optional<String> expr = TerraformConfig.wholeExpression(value);
        if (expr.isPresent() && expr.get().matches("jsonencode\\(local\\.\\w+\\)")) {
            String local = expr.get().substring("jsonencode(local.".length(), expr.get().length() - 1);
            return canonicalJson(env.locals.path(local));
        }
        if (expr.isEmpty() && value.isTextual()) {
            return canonicalJson(value.asText());
        }
        return "cannot read " + value.asText() + " (write jsonencode(local.<name>))";
    }

    // ======================================================================================================= common

    private static String index(String hash, String range, String projection) {
        return "hash=" + hash + ", range=" + range + ", projection=" + projection;
    }

    private static String defaultValue(String value) {
        if (value == null || value.isEmpty() || value.equals("(not set)")) {
            return "(not set)";
        }
        List<String> parts = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            try {
                parts.add(new BigDecimal(part.strip()).stripTrailingZeros().toPlainString());
            } catch (NumberFormatException e) {
                parts.add(part);
            }
        }
        return String.join(",", parts);
    }

    static String canonicalJson(String json) {
        try {
            return canonicalJson(CANONICAL.readTree(json));
        } catch (IOException e) {
            return "invalid JSON: " + json;
        }
    }

    private static String canonicalJson(JsonNode json) {
        try {
            Object tree = CANONICAL.treeToValue(json, Object.class);
            return CANONICAL.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> texts(JsonNode value) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : list(value)) {
            out.add(n.asText());
        }
        return out;
    }

    private static String sorted(List<String> values) {
        return "[" + values.stream().sorted().collect(Collectors.joining(", ")) + "]";
    }

    /**
     * What a schedule hands its function, compared by meaning: the template writes the Input as JSON text, Terraform as
     * a jsonencode() expression, so both are reduced to the context attributes they pass.
     */
    static String scheduleInput(String input) {
        if (input.isBlank()) {
            return "none";
        }
        return input.contains("<aws.scheduler.scheduled-time>") && input.contains("time")
                ? "time = <aws.scheduler.scheduled-time>" : "other: " + input;
    }
}
