package dev.tally.store;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.HashMap;
import java.util.Map;

/**
 * Converts a DynamoDB Streams image as Lambda delivers it (aws-lambda-java-events model) into SDK v2 attribute
 * values, so the static table schemas can map it ({@code SCHEMA.mapToItem(StreamImages.toSdk(image))}). The two
 * libraries have no converter between their models; this is that converter.
 */
public final class StreamImages {

    private StreamImages() {
    }

    /**
     * @param image a stream record's NewImage or OldImage; may be null
     * @return the same attributes as SDK v2 values; empty for null
     */
    public static Map<String, AttributeValue> toSdk(
            Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image) {
        Map<String, AttributeValue> out = new HashMap<>();
        if (image != null) {
            image.forEach((k, v) -> out.put(k, convert(v)));
        }
        return out;
    }

    private static AttributeValue convert(com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue v) {
        if (v.getS() != null) {
            return AttributeValue.fromS(v.getS());
        }
        if (v.getN() != null) {
            return AttributeValue.fromN(v.getN());
        }
        if (v.getBOOL() != null) {
            return AttributeValue.fromBool(v.getBOOL());
        }
        if (v.getNULL() != null && v.getNULL()) {
            return AttributeValue.fromNul(true);
        }
        if (v.getB() != null) {
            return AttributeValue.fromB(SdkBytes.fromByteBuffer(v.getB()));
        }
        if (v.getM() != null) {
            Map<String, AttributeValue> m = new HashMap<>();
            v.getM().forEach((k, x) -> m.put(k, convert(x)));
            return AttributeValue.fromM(m);
        }
        if (v.getL() != null) {
            return AttributeValue.fromL(v.getL().stream().map(StreamImages::convert).toList());
        }
        if (v.getSS() != null) {
            return AttributeValue.fromSs(v.getSS());
        }
        if (v.getNS() != null) {
            return AttributeValue.fromNs(v.getNS());
        }
        if (v.getBS() != null) {
            return AttributeValue.fromBs(v.getBS().stream().map(SdkBytes::fromByteBuffer).toList());
        }
        throw new IllegalArgumentException("attribute value with no type: " + v);
    }
}
