package dev.tally.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Typed view of an {@code AWS::Serverless::Function}, with {@code Globals.Function} already applied.
 *
 * @param logicalId the resource's logical id, which is also its local function name
 * @param handlerClass the part of {@code Handler} before {@code ::}
 * @param handlerMethod the part after {@code ::} ({@code handleRequest} when absent)
 * @param environment {@code Globals.Function.Environment.Variables} overlaid with the function's own, values still
 *     unresolved (literals or intrinsics), in template order
 * @param timeoutSeconds {@code Timeout} (function, else Globals, else Lambda's default 3)
 * @param memorySizeMb {@code MemorySize} (function, else Globals, else Lambda's default 128)
 * @param events the function's event sources, in template order
 */
public record FunctionResource(
        String logicalId,
        String handlerClass,
        String handlerMethod,
        Map<String, JsonNode> environment,
        int timeoutSeconds,
        int memorySizeMb,
        List<FunctionEvent> events) {

    /** The events of one type, in template order, e.g. {@code events(FunctionEvent.Sqs.class)}. */
    public <T extends FunctionEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
