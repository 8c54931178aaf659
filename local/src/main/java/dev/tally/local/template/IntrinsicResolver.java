package dev.tally.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves the intrinsics of a template's property values for a local deployment, to plain strings.
 *
 * <ul>
 *   <li>{@code Ref}: a parameter gives its value (the caller's override, else the template's {@code Default}); a
 *       table its name; a queue its URL; an event bus its name; a function its name (the logical id); the pseudo
 *       parameters {@code AWS::StackName} ({@value #STACK_NAME}), {@code AWS::Region} ({@value #REGION}),
 *       {@code AWS::AccountId} ({@value #ACCOUNT_ID}), {@code AWS::Partition} and {@code AWS::URLSuffix};
 *       {@code AWS::NoValue} resolves to {@code null} (the property is dropped).</li>
 *   <li>{@code Fn::GetAtt [X, Attr]}: table {@code Arn}, {@code StreamArn}; queue {@code Arn}, {@code QueueName},
 *       {@code QueueUrl}; event bus {@code Arn}, {@code Name}; function {@code Arn}.</li>
 *   <li>{@code Fn::Sub} (string, or {@code [string, {variables}]}): {@code ${Name}} as {@code Ref},
 *       {@code ${X.Attr}} as {@code Fn::GetAtt}, {@code ${!Literal}} as {@code ${Literal}}.</li>
 * </ul>
 * Literals (strings, numbers, booleans) resolve to their text. Anything else (other intrinsics such as
 * {@code Fn::If} or {@code Fn::Join}, lists, unknown logical ids) raises an {@link IllegalArgumentException} that
 * names where in the template it was found. Tables and queues are looked up through a {@link ResourceLocator}, so
 * this class works for any deployment. Thread-safe if the locator is.
 */
public final class IntrinsicResolver {
    /** {@code AWS::StackName} locally. */
    public static final String STACK_NAME = "tally";
    /** {@code AWS::Region} locally. */
    public static final String REGION = "us-east-1";
    /** {@code AWS::AccountId} locally. */
    public static final String ACCOUNT_ID = "000000000000";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    private final TemplateModel template;
    private final Map<String, String> parameterOverrides;
    private final ResourceLocator locator;

    /**
     * A resolver for one deployment of the template.
     *
     * @param template the template whose logical ids are resolved
     * @param parameterOverrides parameter values that replace the template's defaults; each key must be a parameter
     *     of the template
     * @param locator physical names of tables and queues
     * @throws IllegalArgumentException when an override names no parameter of the template
     */
    public IntrinsicResolver(TemplateModel template, Map<String, String> parameterOverrides, ResourceLocator locator) {
        this.template = Objects.requireNonNull(template, "template");
        this.locator = Objects.requireNonNull(locator, "locator");
        this.parameterOverrides = Map.copyOf(parameterOverrides);
        for (String name : this.parameterOverrides.keySet()) {
            if (!template.parameters().containsKey(name)) {
                throw new IllegalArgumentException("parameter override " + name + " is not a parameter of "
                        + template.source() + " (known: " + template.parameters().keySet() + ")");
            }
        }
    }

    /**
     * Resolves a property value.
     *
     * @param value a literal or an intrinsic
     * @param where what to name in error messages, e.g. {@code BillingRunFunction Environment INVOICE_JOBS_QUEUE_URL}
     * @return the resolved text, or {@code null} for {@code Ref AWS::NoValue}
     */
    public String resolve(JsonNode value, String where) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        if (value.isObject() && value.size() == 1) {
            String fn = value.fieldNames().next();
            JsonNode arg = value.get(fn);
            switch (fn) {
                case "Ref" -> {
                    if (!arg.isTextual()) {
                        throw new IllegalArgumentException(where + ": Ref takes a logical id, found " + arg);
                    }
                    return ref(arg.asText(), where);
                }
                case "Fn::GetAtt" -> {
                    String[] parts = Nodes.getAtt(value, where);
                    return getAtt(parts[0], parts[1], where);
                }
                case "Fn::Sub" -> {
                    if (arg.isTextual()) {
                        return sub(arg.asText(), Map.of(), where);
                    }
                    if (arg.isArray() && arg.size() == 2 && arg.get(0).isTextual() && arg.get(1).isObject()) {
                        Map<String, String> vars = new LinkedHashMap<>();
                        for (Map.Entry<String, JsonNode> e : Nodes.fields(arg.get(1))) {
                            vars.put(e.getKey(), resolve(e.getValue(), where + " Fn::Sub variable " + e.getKey()));
                        }
                        return sub(arg.get(0).asText(), vars, where);
                    }
                    throw new IllegalArgumentException(where + ": Fn::Sub takes a string or [string, {variables}]");
                }
                default -> {
                    if (fn.startsWith("Fn::") || fn.equals("Condition")) {
                        throw new IllegalArgumentException(where + ": intrinsic " + fn
                                + " is not supported by the local runtime (Ref, Fn::GetAtt, Fn::Sub only)");
                    }
                }
            }
        }
        throw new IllegalArgumentException(where + ": expected a literal or an intrinsic, found " + value);
    }

    /**
     * {@code Ref} of a logical id or pseudo parameter.
     *
     * @throws IllegalArgumentException when the name is unknown, or a parameter has neither an override nor a default
     */
    public String ref(String name, String where) {
        switch (name) {
            case "AWS::StackName":
                return STACK_NAME;
            case "AWS::Region":
                return REGION;
            case "AWS::AccountId":
                return ACCOUNT_ID;
            case "AWS::Partition":
                return "aws";
            case "AWS::URLSuffix":
                return "amazonaws.com";
            case "AWS::NoValue":
                return null;
            default:
                break;
        }
        TemplateParameter parameter = template.parameters().get(name);
        if (parameter != null) {
            String override = parameterOverrides.get(name);
            if (override != null) {
                return override;
            }
            return parameter.defaultValue().orElseThrow(() -> new IllegalArgumentException(where + ": parameter "
                    + name + " has no Default and no override was given"));
        }
        String type = template.resourceTypes().get(name);
        if (type == null) {
            throw new IllegalArgumentException(where + ": Ref " + name + " names no parameter or resource of "
                    + template.source());
        }
        return switch (type) {
            case TemplateModel.TABLE_TYPE -> locator.tableName(name);
            case TemplateModel.QUEUE_TYPE -> locator.queueUrl(name);
            case TemplateModel.EVENT_BUS_TYPE -> eventBusName(name);
            case TemplateModel.FUNCTION_TYPE -> name;
            default -> throw new IllegalArgumentException(where + ": Ref of " + name + " (" + type
                    + ") is not supported locally");
        };
    }

    /**
     * {@code Fn::GetAtt [logicalId, attribute]}.
     *
     * @throws IllegalArgumentException when the resource or attribute is not supported
     */
    public String getAtt(String logicalId, String attribute, String where) {
        String type = template.resourceTypes().get(logicalId);
        if (type == null) {
            throw new IllegalArgumentException(where + ": Fn::GetAtt names " + logicalId
                    + ", which is not a resource of " + template.source());
        }
        String key = type + "." + attribute;
        return switch (key) {
            case TemplateModel.TABLE_TYPE + ".Arn" -> locator.tableArn(logicalId);
            case TemplateModel.TABLE_TYPE + ".StreamArn" -> locator.tableStreamArn(logicalId);
            case TemplateModel.QUEUE_TYPE + ".Arn" -> locator.queueArn(logicalId);
            case TemplateModel.QUEUE_TYPE + ".QueueName" -> locator.queueName(logicalId);
            case TemplateModel.QUEUE_TYPE + ".QueueUrl" -> locator.queueUrl(logicalId);
            case TemplateModel.EVENT_BUS_TYPE + ".Name" -> eventBusName(logicalId);
            case TemplateModel.EVENT_BUS_TYPE + ".Arn" -> "arn:aws:events:" + REGION + ":" + ACCOUNT_ID
                    + ":event-bus/" + eventBusName(logicalId);
            case TemplateModel.FUNCTION_TYPE + ".Arn" -> functionArn(logicalId);
            default -> throw new IllegalArgumentException(where + ": Fn::GetAtt [" + logicalId + ", " + attribute
                    + "] is not supported locally (" + type + ")");
        };
    }

    /**
     * {@code Fn::Sub}: replaces {@code ${...}} placeholders.
     *
     * @param text the template string
     * @param variables the variables of the list form (take precedence over logical ids)
     */
    public String sub(String text, Map<String, String> variables, String where) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).trim();
            String replacement;
            if (name.startsWith("!")) {
                replacement = "${" + name.substring(1) + "}";
            } else if (variables.containsKey(name)) {
                replacement = variables.get(name);
            } else if (name.contains(".") && !name.startsWith("AWS::")) {
                int dot = name.indexOf('.');
                replacement = getAtt(name.substring(0, dot), name.substring(dot + 1), where);
            } else {
                replacement = ref(name, where);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement == null ? "" : replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The name of an {@code AWS::Events::EventBus}: its resolved {@code Name}, else its logical id. */
    public String eventBusName(String logicalId) {
        EventBusResource bus = template.eventBuses().get(logicalId);
        if (bus == null) {
            throw new IllegalArgumentException(logicalId + " is not an AWS::Events::EventBus of " + template.source());
        }
        return bus.name().map(n -> resolve(n, logicalId + " Name")).orElse(logicalId);
    }

    /** The local ARN of a function: {@code arn:aws:lambda:us-east-1:000000000000:function:<logicalId>}. */
    public static String functionArn(String functionLogicalId) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT_ID + ":function:" + functionLogicalId;
    }

    /** The template this resolver works on. */
    public TemplateModel template() {
        return template;
    }

    /** The locator of physical tables and queues. */
    public ResourceLocator locator() {
        return locator;
    }
}
