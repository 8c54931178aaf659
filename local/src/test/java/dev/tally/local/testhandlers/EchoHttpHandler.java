package dev.tally.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test HTTP handler: answers 201 with a JSON echo of what it was given. */
public class EchoHttpHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> env;

    public EchoHttpHandler(Map<String, String> env, Clock clock) {
        this.env = env;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("version", event.getVersion());
        echo.put("routeKey", event.getRouteKey());
        echo.put("rawPath", event.getRawPath());
        echo.put("rawQueryString", event.getRawQueryString());
        echo.put("query", event.getQueryStringParameters());
        echo.put("pathParameters", event.getPathParameters());
        echo.put("xTest", event.getHeaders().get("x-test"));
        echo.put("body", event.getBody());
        echo.put("base64", event.getIsBase64Encoded());
        echo.put("method", event.getRequestContext().getHttp().getMethod());
        echo.put("timeEpoch", event.getRequestContext().getTimeEpoch());
        echo.put("greeting", env.get("GREETING"));
        echo.put("function", context.getFunctionName());
        try {
            return APIGatewayV2HTTPResponse.builder()
                    .withStatusCode(201)
                    .withHeaders(Map.of("content-type", "application/json", "x-echo", "yes"))
                    .withBody(JSON.writeValueAsString(echo))
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
