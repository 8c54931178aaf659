package dev.tally.local.streams;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * Converts DynamoDB Streams records from the SDK v2 model to the aws-lambda-java-events model that Lambda hands to
 * a {@code RequestHandler<DynamodbEvent, ?>}, and to the JSON form Lambda's event filtering matches against. Attribute
 * values of every type (S, N, B, BOOL, NULL, M, L, SS, NS, BS) are carried over. Stateless and thread-safe.
 */
public final class StreamRecordConverter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String streamArn;
    private final String region;

    /**
     * A converter for one stream.
     *
     * @param streamArn reported as each record's {@code eventSourceARN}
     * @param region reported as each record's {@code awsRegion}
     */
    public StreamRecordConverter(String streamArn, String region) {
        this.streamArn = streamArn;
        this.region = region;
    }

    /** The Lambda event model of a record. */
    public DynamodbEvent.DynamodbStreamRecord toLambda(Record r) {
        DynamodbEvent.DynamodbStreamRecord out = new DynamodbEvent.DynamodbStreamRecord();
        out.setEventID(r.eventID());
        out.setEventName(r.eventNameAsString());
        out.setEventVersion(r.eventVersion() == null ? "1.1" : r.eventVersion());
        out.setEventSource("aws:dynamodb");
        out.setAwsRegion(region);
        out.setEventSourceARN(streamArn);
        var d = r.dynamodb();
        StreamRecord s = new StreamRecord();
        if (d.approximateCreationDateTime() != null) {
            s.setApproximateCreationDateTime(Date.from(d.approximateCreationDateTime()));
        }
        if (d.hasKeys()) {
            s.setKeys(toLambda(d.keys()));
        }
        if (d.hasNewImage()) {
            s.setNewImage(toLambda(d.newImage()));
        }
        if (d.hasOldImage()) {
            s.setOldImage(toLambda(d.oldImage()));
        }
        s.setSequenceNumber(d.sequenceNumber());
        s.setSizeBytes(d.sizeBytes());
        if (d.streamViewTypeAsString() != null) {
            s.setStreamViewType(StreamViewType.fromValue(d.streamViewTypeAsString()));
        }
        out.setDynamodb(s);
        return out;
    }

    /** Converts an SDK v2 item map to the Lambda event model. */
    public static Map<String, AttributeValue> toLambda(
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        item.forEach((k, v) -> out.put(k, toLambda(v)));
        return out;
    }

    /** Converts one SDK v2 attribute value to the Lambda event model. */
    public static AttributeValue toLambda(software.amazon.awssdk.services.dynamodb.model.AttributeValue v) {
        AttributeValue a = new AttributeValue();
        switch (v.type()) {
            case S -> a.setS(v.s());
            case N -> a.setN(v.n());
            case B -> a.setB(v.b().asByteBuffer());
            case BOOL -> a.setBOOL(v.bool());
            case NUL -> a.setNULL(Boolean.TRUE);
            case SS -> a.setSS(v.ss());
            case NS -> a.setNS(v.ns());
            case BS -> a.setBS(v.bs().stream().map(b -> b.asByteBuffer()).toList());
            case M -> a.setM(toLambda(v.m()));
            case L -> {
                List<AttributeValue> list = new ArrayList<>();
                v.l().forEach(e -> list.add(toLambda(e)));
                a.setL(list);
            }
            default -> throw new IllegalArgumentException("unknown attribute value type: " + v);
        }
        return a;
    }

    /**
     * The record as the JSON document Lambda's event filtering sees: {@code eventID}, {@code eventName},
     * {@code eventVersion}, {@code eventSource}, {@code awsRegion}, {@code eventSourceARN} and {@code dynamodb} with
     * {@code Keys}, {@code NewImage}, {@code OldImage} in DynamoDB JSON ({@code {"S": "..."}}),
     * {@code SequenceNumber}, {@code SizeBytes}, {@code StreamViewType}, {@code ApproximateCreationDateTime}
     * (seconds).
     */
    public JsonNode toFilterJson(Record r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("eventID", r.eventID());
        root.put("eventName", r.eventNameAsString());
        root.put("eventVersion", r.eventVersion() == null ? "1.1" : r.eventVersion());
        root.put("eventSource", "aws:dynamodb");
        root.put("awsRegion", region);
        root.put("eventSourceARN", streamArn);
        var d = r.dynamodb();
        ObjectNode dynamodb = root.putObject("dynamodb");
        if (d.approximateCreationDateTime() != null) {
            dynamodb.put("ApproximateCreationDateTime", d.approximateCreationDateTime().getEpochSecond());
        }
        if (d.hasKeys()) {
            dynamodb.set("Keys", itemJson(d.keys()));
        }
        if (d.hasNewImage()) {
            dynamodb.set("NewImage", itemJson(d.newImage()));
        }
        if (d.hasOldImage()) {
            dynamodb.set("OldImage", itemJson(d.oldImage()));
        }
        dynamodb.put("SequenceNumber", d.sequenceNumber());
        if (d.sizeBytes() != null) {
            dynamodb.put("SizeBytes", d.sizeBytes());
        }
        dynamodb.put("StreamViewType", d.streamViewTypeAsString());
        return root;
    }

    private static ObjectNode itemJson(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        ObjectNode out = JSON.createObjectNode();
        item.forEach((k, v) -> out.set(k, valueJson(v)));
        return out;
    }

    private static ObjectNode valueJson(software.amazon.awssdk.services.dynamodb.model.AttributeValue v) {
        ObjectNode out = JSON.createObjectNode();
        Base64.Encoder b64 = Base64.getEncoder();
        switch (v.type()) {
            case S -> out.put("S", v.s());
            case N -> out.put("N", v.n());
            case B -> out.put("B", b64.encodeToString(v.b().asByteArray()));
            case BOOL -> out.put("BOOL", v.bool());
            case NUL -> out.put("NULL", true);
            case SS -> v.ss().forEach(out.putArray("SS")::add);
            case NS -> v.ns().forEach(out.putArray("NS")::add);
            case BS -> {
                ArrayNode bs = out.putArray("BS");
                v.bs().forEach(b -> bs.add(b64.encodeToString(b.asByteArray())));
            }
            case M -> out.set("M", itemJson(v.m()));
            case L -> {
                ArrayNode l = out.putArray("L");
                v.l().forEach(e -> l.add(valueJson(e)));
            }
            default -> throw new IllegalArgumentException("unknown attribute value type: " + v);
        }
        return out;
    }
}
