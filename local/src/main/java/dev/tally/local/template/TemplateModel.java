package dev.tally.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a SAM template ({@code template.yaml}) that the local runtime acts on: {@code Parameters} with their
 * defaults, {@code Globals.Function}, and the resources of type {@code AWS::DynamoDB::Table}, {@code AWS::SQS::Queue},
 * {@code AWS::Events::EventBus} and {@code AWS::Serverless::Function}.
 *
 * <p>The template is read with Jackson's YAML parser, so intrinsics must be in their long form ({@code Ref},
 * {@code Fn::GetAtt} as a 2-element list, {@code Fn::Sub} as a string); short-form tags such as {@code !Ref} are not
 * understood. Values of properties that the runtime needs literally (key schemas, batch sizes, ...) must be literals.
 *
 * <p>Errors: anything the local runtime cannot honour (an unknown resource type, an event type other than SQS,
 * DynamoDB, HttpApi and ScheduleV2, a FIFO queue, a {@code Condition}, an unsupported filter operator, ...) raises an
 * {@link IllegalArgumentException} whose message starts with the resource's logical id. A few resource types that have
 * no local effect (alarms, log groups, IAM, permissions, queue policies, an explicit HTTP API) are skipped with an info
 * log; see {@link #IGNORED_RESOURCE_TYPES}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class TemplateModel {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateModel.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The resource type of a DynamoDB table. */
    public static final String TABLE_TYPE = "AWS::DynamoDB::Table";
    /** The resource type of an SQS queue. */
    public static final String QUEUE_TYPE = "AWS::SQS::Queue";
    /** The resource type of an EventBridge bus. */
    public static final String EVENT_BUS_TYPE = "AWS::Events::EventBus";
    /** The resource type of a SAM function. */
    public static final String FUNCTION_TYPE = "AWS::Serverless::Function";

    /** Resource types that have no local counterpart and are skipped (with an info log) rather than rejected. */
    public static final Set<String> IGNORED_RESOURCE_TYPES = Set.of(
            "AWS::CloudWatch::Alarm",
            "AWS::CloudWatch::Dashboard",
            "AWS::KMS::Key",
            "AWS::KMS::Alias",
            "AWS::SNS::Topic",
            "AWS::Logs::LogGroup",
            "AWS::Logs::ResourcePolicy",
            "AWS::Events::Archive",
            "AWS::Events::Rule",
            "AWS::IAM::Role",
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::Lambda::Permission",
            "AWS::SQS::QueuePolicy",
            "AWS::Serverless::HttpApi",
            "AWS::Scheduler::ScheduleGroup");

    private static final int LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
    private static final int LAMBDA_DEFAULT_MEMORY_MB = 128;

    private final String source;
    private final Map<String, TemplateParameter> parameters;
    private final Map<String, String> resourceTypes;
    private final Map<String, TableResource> tables;
    private final Map<String, QueueResource> queues;
    private final Map<String, EventBusResource> eventBuses;
    private final Map<String, FunctionResource> functions;

    private TemplateModel(String source, JsonNode root) {
        this.source = source;
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": not a template (expected a mapping at the top level)");
        }
        this.parameters = readParameters(root);
        JsonNode resources = Nodes.object(root, "Resources", source);
        this.resourceTypes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : Nodes.fields(resources)) {
            resourceTypes.put(e.getKey(), Nodes.text(e.getValue(), "Type", e.getKey()));
        }
        JsonNode globals = root.path("Globals").path("Function");
        Map<String, TableResource> t = new LinkedHashMap<>();
        Map<String, QueueResource> q = new LinkedHashMap<>();
        Map<String, EventBusResource> b = new LinkedHashMap<>();
        Map<String, FunctionResource> f = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : Nodes.fields(resources)) {
            String id = e.getKey();
            JsonNode resource = e.getValue();
            if (Nodes.present(resource, "Condition")) {
                throw new IllegalArgumentException(id + ": Condition is not supported by the local runtime");
            }
            JsonNode props = resource.has("Properties") ? resource.get("Properties") : YAML.createObjectNode();
            String type = resourceTypes.get(id);
            switch (type) {
                case TABLE_TYPE -> t.put(id, readTable(id, props));
                case QUEUE_TYPE -> q.put(id, readQueue(id, props));
                case EVENT_BUS_TYPE -> b.put(id, new EventBusResource(id, Optional.ofNullable(props.get("Name"))));
                case FUNCTION_TYPE -> f.put(id, readFunction(id, props, globals));
                default -> {
                    if (!IGNORED_RESOURCE_TYPES.contains(type)) {
                        throw new IllegalArgumentException(id + ": resource type " + type
                                + " is not supported by the local runtime");
                    }
                    LOG.info("{}: {} has no local counterpart; skipped", id, type);
                }
            }
        }
        this.tables = Collections.unmodifiableMap(t);
        this.queues = Collections.unmodifiableMap(q);
        this.eventBuses = Collections.unmodifiableMap(b);
        this.functions = Collections.unmodifiableMap(f);
        validateReferences();
    }

    /**
     * Reads a template file.
     *
     * @throws UncheckedIOException when the file cannot be read
     * @throws IllegalArgumentException when it is not valid YAML or holds something unsupported
     */
    public static TemplateModel load(Path path) {
        try {
            return parse(Files.readString(path), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template " + path, e);
        }
    }

    /**
     * Parses template text.
     *
     * @param yaml the template
     * @param source a name for error messages, e.g. the file name
     * @throws IllegalArgumentException when it is not valid YAML or holds something unsupported
     */
    public static TemplateModel parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        return new TemplateModel(source, root);
    }

    /** Where the template came from (a path or a name given to {@link #parse}). */
    public String source() {
        return source;
    }

    /** The {@code Parameters}, by name, in template order. */
    public Map<String, TemplateParameter> parameters() {
        return parameters;
    }

    /** Every resource's {@code Type} by logical id, in template order, including skipped ones. */
    public Map<String, String> resourceTypes() {
        return Collections.unmodifiableMap(resourceTypes);
    }

    /** The DynamoDB tables by logical id, in template order. */
    public Map<String, TableResource> tables() {
        return tables;
    }

    /** The SQS queues by logical id, in template order. */
    public Map<String, QueueResource> queues() {
        return queues;
    }

    /** The EventBridge buses by logical id, in template order. */
    public Map<String, EventBusResource> eventBuses() {
        return eventBuses;
    }

    /** The functions by logical id, in template order. */
    public Map<String, FunctionResource> functions() {
        return functions;
    }

    /** The table with this logical id; {@link IllegalArgumentException} when there is none. */
    public TableResource table(String logicalId) {
        return require(tables, logicalId, "DynamoDB table");
    }

    /** The queue with this logical id; {@link IllegalArgumentException} when there is none. */
    public QueueResource queue(String logicalId) {
        return require(queues, logicalId, "SQS queue");
    }

    /** The function with this logical id; {@link IllegalArgumentException} when there is none. */
    public FunctionResource function(String logicalId) {
        return require(functions, logicalId, "function");
    }

    private <T> T require(Map<String, T> map, String logicalId, String what) {
        T value = map.get(logicalId);
        if (value == null) {
            throw new IllegalArgumentException(source + " has no " + what + " named " + logicalId
                    + " (known: " + map.keySet() + ")");
        }
        return value;
    }

    // ------------------------------------------------------------------------------------------- reading

    private Map<String, TemplateParameter> readParameters(JsonNode root) {
        Map<String, TemplateParameter> out = new LinkedHashMap<>();
        JsonNode params = root.get("Parameters");
        if (params == null || params.isNull()) {
            return Collections.unmodifiableMap(out);
        }
        for (Map.Entry<String, JsonNode> e : Nodes.fields(params)) {
            String where = "Parameters." + e.getKey();
            String type = Nodes.optionalText(e.getValue(), "Type", where).orElse("String");
            Optional<String> def = Nodes.optionalText(e.getValue(), "Default", where);
            out.put(e.getKey(), new TemplateParameter(e.getKey(), type, def));
        }
        return Collections.unmodifiableMap(out);
    }

    private static TableResource readTable(String id, JsonNode props) {
        List<TableResource.AttributeDefinition> attributes = new ArrayList<>();
        for (JsonNode a : Nodes.list(props, "AttributeDefinitions", id)) {
            attributes.add(new TableResource.AttributeDefinition(
                    Nodes.text(a, "AttributeName", id), Nodes.text(a, "AttributeType", id)));
        }
        List<TableResource.KeyElement> key = readKeySchema(props, id);
        if (key.isEmpty()) {
            throw new IllegalArgumentException(id + ": KeySchema is required");
        }
        List<TableResource.SecondaryIndex> gsis = readIndexes(props, "GlobalSecondaryIndexes", id);
        List<TableResource.SecondaryIndex> lsis = readIndexes(props, "LocalSecondaryIndexes", id);
        Optional<String> stream = Optional.empty();
        Optional<JsonNode> streamSpec = Nodes.optionalObject(props, "StreamSpecification", id);
        if (streamSpec.isPresent()) {
            stream = Optional.of(Nodes.text(streamSpec.get(), "StreamViewType", id + " StreamSpecification"));
        }
        Optional<String> ttl = Optional.empty();
        Optional<JsonNode> ttlSpec = Nodes.optionalObject(props, "TimeToLiveSpecification", id);
        if (ttlSpec.isPresent() && Nodes.boolOr(ttlSpec.get(), "Enabled", false, id + " TimeToLiveSpecification")) {
            ttl = Optional.of(Nodes.text(ttlSpec.get(), "AttributeName", id + " TimeToLiveSpecification"));
        }
        if (Nodes.present(props, "TableName")) {
            LOG.info("{}: TableName is ignored locally; the local table name is the logical id", id);
        }
        String billing = Nodes.optionalText(props, "BillingMode", id).orElse("PROVISIONED");
        if (!billing.equals("PAY_PER_REQUEST") && !billing.equals("PROVISIONED")) {
            throw new IllegalArgumentException(id + ": unsupported BillingMode " + billing);
        }
        return new TableResource(id, billing, List.copyOf(attributes), key, gsis, lsis, stream, ttl);
    }

    private static List<TableResource.KeyElement> readKeySchema(JsonNode node, String where) {
        List<TableResource.KeyElement> key = new ArrayList<>();
        for (JsonNode k : Nodes.list(node, "KeySchema", where)) {
            key.add(new TableResource.KeyElement(Nodes.text(k, "AttributeName", where), Nodes.text(k, "KeyType", where)));
        }
        return List.copyOf(key);
    }

    private static List<TableResource.SecondaryIndex> readIndexes(JsonNode props, String field, String id) {
        List<TableResource.SecondaryIndex> out = new ArrayList<>();
        for (JsonNode index : Nodes.list(props, field, id)) {
            String name = Nodes.text(index, "IndexName", id + " " + field);
            String where = id + " " + field + " " + name;
            JsonNode projection = Nodes.object(index, "Projection", where);
            out.add(new TableResource.SecondaryIndex(name, readKeySchema(index, where),
                    Nodes.optionalText(projection, "ProjectionType", where).orElse("ALL"),
                    Nodes.textList(projection, "NonKeyAttributes", where)));
        }
        return List.copyOf(out);
    }

    private static QueueResource readQueue(String id, JsonNode props) {
        if (Nodes.boolOr(props, "FifoQueue", false, id)) {
            throw new IllegalArgumentException(id + ": FIFO queues are not supported by the local runtime");
        }
        if (Nodes.present(props, "QueueName")) {
            LOG.info("{}: QueueName is ignored locally; the local queue name is the logical id", id);
        }
        Optional<QueueResource.RedrivePolicy> redrive = Optional.empty();
        Optional<JsonNode> policy = Nodes.optionalObject(props, "RedrivePolicy", id);
        if (policy.isPresent()) {
            String where = id + " RedrivePolicy";
            String[] target = Nodes.getAtt(policy.get().get("deadLetterTargetArn"), where + " deadLetterTargetArn");
            if (!"Arn".equals(target[1])) {
                throw new IllegalArgumentException(where + ": deadLetterTargetArn must be Fn::GetAtt [Queue, Arn]");
            }
            int max = Nodes.optionalInt(policy.get(), "maxReceiveCount", where)
                    .orElseThrow(() -> new IllegalArgumentException(where + ": maxReceiveCount is required"));
            redrive = Optional.of(new QueueResource.RedrivePolicy(target[0], max));
        }
        return new QueueResource(id,
                Nodes.optionalInt(props, "VisibilityTimeout", id),
                Nodes.optionalInt(props, "MessageRetentionPeriod", id),
                Nodes.optionalInt(props, "DelaySeconds", id),
                Nodes.optionalInt(props, "ReceiveMessageWaitTimeSeconds", id),
                Nodes.optionalInt(props, "MaximumMessageSize", id),
                redrive);
    }

    private static FunctionResource readFunction(String id, JsonNode props, JsonNode globals) {
        String handler = Nodes.text(props, "Handler", id);
        String handlerClass = handler;
        String method = "handleRequest";
        int sep = handler.indexOf("::");
        if (sep >= 0) {
            handlerClass = handler.substring(0, sep);
            method = handler.substring(sep + 2);
        }
        if (handlerClass.isBlank() || method.isBlank()) {
            throw new IllegalArgumentException(id + ": Handler must be 'fully.qualified.Class::method', found '"
                    + handler + "'");
        }
        Map<String, JsonNode> env = new LinkedHashMap<>();
        copyVariables(globals.path("Environment"), "Globals.Function.Environment", env);
        copyVariables(props.path("Environment"), id + " Environment", env);
        int timeout = props.has("Timeout") ? Nodes.intOr(props, "Timeout", 0, id)
                : Nodes.intOr(globals, "Timeout", LAMBDA_DEFAULT_TIMEOUT_SECONDS, "Globals.Function");
        int memory = props.has("MemorySize") ? Nodes.intOr(props, "MemorySize", 0, id)
                : Nodes.intOr(globals, "MemorySize", LAMBDA_DEFAULT_MEMORY_MB, "Globals.Function");
        List<FunctionEvent> events = new ArrayList<>();
        JsonNode eventsNode = props.get("Events");
        if (eventsNode != null && !eventsNode.isNull()) {
            for (Map.Entry<String, JsonNode> e : Nodes.fields(eventsNode)) {
                events.add(readEvent(id, e.getKey(), e.getValue()));
            }
        }
        return new FunctionResource(id, handlerClass, method, Collections.unmodifiableMap(env), timeout, memory,
                List.copyOf(events));
    }

    private static void copyVariables(JsonNode environment, String where, Map<String, JsonNode> into) {
        if (environment.isMissingNode() || environment.isNull()) {
            return;
        }
        JsonNode vars = environment.path("Variables");
        if (vars.isMissingNode() || vars.isNull()) {
            return;
        }
        if (!vars.isObject()) {
            throw new IllegalArgumentException(where + ".Variables must be a mapping");
        }
        for (Map.Entry<String, JsonNode> v : Nodes.fields(vars)) {
            into.put(v.getKey(), v.getValue());
        }
    }

    private static FunctionEvent readEvent(String functionId, String name, JsonNode event) {
        String where = functionId + " Events." + name;
        String type = Nodes.text(event, "Type", where);
        JsonNode p = event.has("Properties") ? event.get("Properties") : YAML.createObjectNode();
        return switch (type) {
            case "SQS" -> readSqsEvent(name, p, where);
            case "DynamoDB" -> readDynamoDbEvent(name, p, where);
            case "HttpApi" -> readHttpApiEvent(name, p, where);
            case "ScheduleV2" -> readScheduleEvent(name, p, where);
            default -> throw new IllegalArgumentException(where + ": event type " + type
                    + " is not supported by the local runtime (supported: SQS, DynamoDB, HttpApi, ScheduleV2)");
        };
    }

    private static FunctionEvent.Sqs readSqsEvent(String name, JsonNode p, String where) {
        String[] queue = Nodes.getAtt(p.get("Queue"), where + " Queue");
        requireAttribute(queue, "Arn", where + " Queue");
        if (Nodes.present(p, "FilterCriteria")) {
            throw new IllegalArgumentException(where + ": FilterCriteria on SQS events is not supported locally");
        }
        return new FunctionEvent.Sqs(name, queue[0],
                positive(Nodes.intOr(p, "BatchSize", 10, where), "BatchSize", where),
                Nodes.intOr(p, "MaximumBatchingWindowInSeconds", 0, where),
                reportsBatchItemFailures(p, where),
                Nodes.boolOr(p, "Enabled", true, where));
    }

    private static FunctionEvent.DynamoDb readDynamoDbEvent(String name, JsonNode p, String where) {
        String[] stream = Nodes.getAtt(p.get("Stream"), where + " Stream");
        requireAttribute(stream, "StreamArn", where + " Stream");
        String start = Nodes.text(p, "StartingPosition", where);
        if (!start.equals("TRIM_HORIZON") && !start.equals("LATEST")) {
            throw new IllegalArgumentException(where + ": StartingPosition " + start
                    + " is not supported locally (TRIM_HORIZON or LATEST)");
        }
        if (Nodes.present(p, "TumblingWindowInSeconds")) {
            throw new IllegalArgumentException(where + ": TumblingWindowInSeconds is not supported locally");
        }
        List<EventPattern> patterns = new ArrayList<>();
        Optional<JsonNode> criteria = Nodes.optionalObject(p, "FilterCriteria", where);
        if (criteria.isPresent()) {
            for (JsonNode filter : Nodes.list(criteria.get(), "Filters", where + " FilterCriteria")) {
                JsonNode pattern = filter.get("Pattern");
                if (pattern == null || pattern.isNull()) {
                    throw new IllegalArgumentException(where + ": FilterCriteria.Filters[].Pattern is required");
                }
                String text = pattern.isTextual() ? pattern.asText() : pattern.toString();
                patterns.add(EventPattern.parse(text, where + " FilterCriteria"));
            }
        }
        Optional<String> onFailure = Optional.empty();
        JsonNode destination = p.path("DestinationConfig").path("OnFailure");
        if (!destination.isMissingNode() && !destination.isNull()) {
            String destType = Nodes.optionalText(destination, "Type", where).orElse("SQS");
            if (!destType.equals("SQS")) {
                throw new IllegalArgumentException(where + ": only SQS on-failure destinations are supported locally");
            }
            String[] queue = Nodes.getAtt(destination.get("Destination"), where + " DestinationConfig.OnFailure");
            requireAttribute(queue, "Arn", where + " DestinationConfig.OnFailure");
            onFailure = Optional.of(queue[0]);
        }
        return new FunctionEvent.DynamoDb(name, stream[0], start,
                positive(Nodes.intOr(p, "BatchSize", 100, where), "BatchSize", where),
                Nodes.intOr(p, "MaximumRetryAttempts", -1, where),
                reportsBatchItemFailures(p, where),
                List.copyOf(patterns), onFailure,
                Nodes.boolOr(p, "Enabled", true, where));
    }

    private static FunctionEvent.HttpApi readHttpApiEvent(String name, JsonNode p, String where) {
        String version = Nodes.optionalText(p, "PayloadFormatVersion", where).orElse("2.0");
        if (!version.equals("2.0")) {
            throw new IllegalArgumentException(where + ": PayloadFormatVersion " + version
                    + " is not supported locally (2.0 only)");
        }
        String path = Nodes.optionalText(p, "Path", where).orElse("$default");
        String method = Nodes.optionalText(p, "Method", where).orElse("ANY").toUpperCase(Locale.ROOT);
        if (!path.equals("$default") && !path.startsWith("/")) {
            throw new IllegalArgumentException(where + ": Path must start with '/', found '" + path + "'");
        }
        return new FunctionEvent.HttpApi(name, path, method.equals("*") ? "ANY" : method);
    }

    /** Scheduler target Input that hands the function its scheduled time, the only Input the local runtime accepts. */
    static final String SCHEDULED_TIME_INPUT = "{\"time\":\"<aws.scheduler.scheduled-time>\"}";

    private static String compactJson(JsonNode input, String where) {
        try {
            JsonNode parsed = input.isTextual() ? new com.fasterxml.jackson.databind.ObjectMapper().readTree(input.asText()) : input;
            return parsed.toString();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": Input is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static FunctionEvent.Schedule readScheduleEvent(String name, JsonNode p, String where) {
        if (Nodes.present(p, "Input") && !SCHEDULED_TIME_INPUT.equals(compactJson(p.get("Input"), where))) {
            // EventBridge Scheduler sends only the target Input. The one form supported here is the scheduled time,
            // which is what the local scheduler's ScheduledEvent carries in its time field anyway.
            throw new IllegalArgumentException(where + ": Input is not supported locally except "
                    + SCHEDULED_TIME_INPUT + " (the handler gets a ScheduledEvent with that time)");
        }
        String expression = Nodes.text(p, "ScheduleExpression", where);
        String zone = Nodes.optionalText(p, "ScheduleExpressionTimezone", where).orElse("UTC");
        dev.tally.local.schedule.ScheduleExpression.parse(expression, zone, where); // validates now
        int retries = Nodes.intOr(p.path("RetryPolicy"), "MaximumRetryAttempts", 0, where + " RetryPolicy");
        String state = Nodes.optionalText(p, "State", where).orElse("ENABLED");
        return new FunctionEvent.Schedule(name, expression, zone, retries, !state.equalsIgnoreCase("DISABLED"));
    }

    private static boolean reportsBatchItemFailures(JsonNode p, String where) {
        List<String> types = Nodes.textList(p, "FunctionResponseTypes", where);
        for (String t : types) {
            if (!t.equals("ReportBatchItemFailures")) {
                throw new IllegalArgumentException(where + ": unknown FunctionResponseTypes value " + t);
            }
        }
        return !types.isEmpty();
    }

    private static int positive(int value, String field, String where) {
        if (value < 1) {
            throw new IllegalArgumentException(where + ": " + field + " must be at least 1, found " + value);
        }
        return value;
    }

    private static void requireAttribute(String[] getAtt, String attribute, String where) {
        if (!attribute.equals(getAtt[1])) {
            throw new IllegalArgumentException(where + ": expected Fn::GetAtt [" + getAtt[0] + ", " + attribute
                    + "], found attribute " + getAtt[1]);
        }
    }

    private void validateReferences() {
        for (QueueResource queue : queues.values()) {
            queue.redrivePolicy().ifPresent(r -> {
                if (!queues.containsKey(r.deadLetterQueueLogicalId())) {
                    throw new IllegalArgumentException(queue.logicalId() + ": RedrivePolicy names "
                            + r.deadLetterQueueLogicalId() + ", which is not an SQS queue of this template");
                }
            });
        }
        for (FunctionResource function : functions.values()) {
            for (FunctionEvent event : function.events()) {
                String where = function.logicalId() + " Events." + event.name();
                switch (event) {
                    case FunctionEvent.Sqs sqs -> requireKnown(queues, sqs.queueLogicalId(), "SQS queue", where);
                    case FunctionEvent.DynamoDb ddb -> {
                        TableResource table = requireKnown(tables, ddb.tableLogicalId(), "DynamoDB table", where);
                        if (table.streamViewType().isEmpty()) {
                            throw new IllegalArgumentException(where + ": table " + table.logicalId()
                                    + " has no StreamSpecification");
                        }
                        ddb.onFailureQueueLogicalId().ifPresent(q -> requireKnown(queues, q, "SQS queue", where));
                    }
                    case FunctionEvent.HttpApi http -> {
                    }
                    case FunctionEvent.Schedule schedule -> {
                    }
                }
            }
        }
    }

    private static <T> T requireKnown(Map<String, T> map, String id, String what, String where) {
        T value = map.get(id);
        if (value == null) {
            throw new IllegalArgumentException(where + ": " + id + " is not a " + what + " of this template");
        }
        return value;
    }
}
