package dev.tally.usage;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class UsageEventParserTest {

    private static final String VALID = """
            {"id": "evt_1", "account": "org_acme", "meter": "build_minutes", "quantity": 12.5,
             "timestamp": 1763600000, "properties": {"repo": "acme/api"}}""";

    /** The valid event with one field replaced by raw JSON, or removed when {@code rawValue} is null. */
    private static String with(String field, String rawValue) {
        StringBuilder json = new StringBuilder("{");
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("id", "\"evt_1\"");
        fields.put("account", "\"org_acme\"");
        fields.put("meter", "\"build_minutes\"");
        fields.put("quantity", "12.5");
        fields.put("timestamp", "1763600000");
        if (rawValue == null) {
            fields.remove(field);
        } else {
            fields.put(field, rawValue);
        }
        fields.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return json.append('}').toString();
    }

    private static UsageEvent parseOne(String body) throws UsageRejection {
        List<JsonNode> nodes = UsageEventParser.split(body);
        assertThat(nodes).hasSize(1);
        return UsageEventParser.parse(nodes.get(0));
    }

    private static UsageRejection splitRejection(String body) {
        return catchThrowableOfType(UsageRejection.class, () -> UsageEventParser.split(body));
    }

    private static UsageRejection parseRejection(String body) {
        return catchThrowableOfType(UsageRejection.class, () -> parseOne(body));
    }

    @Nested
    class Bodies {

        @Test
        void singleObject() throws UsageRejection {
            UsageEvent event = parseOne(VALID);
            assertThat(event.id()).isEqualTo("evt_1");
            assertThat(event.account()).isEqualTo("org_acme");
            assertThat(event.meter()).isEqualTo("build_minutes");
            assertThat(event.quantity()).isEqualTo(new BigDecimal("12.5"));
            assertThat(event.timestamp()).isEqualTo(1763600000L);
            assertThat(event.properties()).containsExactly(Map.entry("repo", "acme/api"));
        }

        @Test
        void arrayKeepsOrder() throws UsageRejection {
            List<JsonNode> nodes = UsageEventParser.split("[" + VALID + "," + with("id", "\"evt_2\"") + "]");
            assertThat(nodes).hasSize(2);
            assertThat(UsageEventParser.parse(nodes.get(0)).id()).isEqualTo("evt_1");
            assertThat(UsageEventParser.parse(nodes.get(1)).id()).isEqualTo("evt_2");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"id\": ",               // truncated
                "not json",
                "",                        // empty body
                "   ",
                "[]",                      // empty array
                "42",                      // scalar
                "\"text\"",
                "null",
                "true",
        })
        void malformedBodies(String body) {
            UsageRejection rejection = splitRejection(body);
            assertThat(rejection).as("body <%s>", body).isNotNull();
            assertThat(rejection.reason()).isEqualTo(RejectionReason.MALFORMED_JSON);
        }

        @Test
        void contentAfterTheFirstValueIsMalformed() {
            // Two events concatenated without an array (a common producer mistake, e.g. NDJSON): counting only the
            // first would silently drop the second, so the whole body must be rejected.
            UsageRejection concatenated = splitRejection(VALID + "\n" + with("id", "\"evt_2\""));
            assertThat(concatenated).isNotNull();
            assertThat(concatenated.reason()).isEqualTo(RejectionReason.MALFORMED_JSON);
            UsageRejection trailing = splitRejection("[" + VALID + "] x");
            assertThat(trailing).isNotNull();
            assertThat(trailing.reason()).isEqualTo(RejectionReason.MALFORMED_JSON);
        }

        @Test
        void arrayElementThatIsNotAnObjectIsMalformed() throws UsageRejection {
            List<JsonNode> nodes = UsageEventParser.split("[" + VALID + ", 7]");
            UsageRejection rejection = catchThrowableOfType(UsageRejection.class, () -> UsageEventParser.parse(nodes.get(1)));
            assertThat(rejection.reason()).isEqualTo(RejectionReason.MALFORMED_JSON);
        }
    }

    @Nested
    class Fields {

        @ParameterizedTest
        @ValueSource(strings = {"id", "account", "meter", "quantity", "timestamp"})
        void missingField(String field) {
            UsageRejection rejection = parseRejection(with(field, null));
            assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
            assertThat(rejection.getMessage()).startsWith(field);
        }

        @ParameterizedTest
        @ValueSource(strings = {"id", "account", "meter"})
        void wrongTypedStringField(String field) {
            for (String raw : List.of("123", "null", "true", "[\"a\"]", "{\"a\": 1}", "\"\"", "\"   \"")) {
                UsageRejection rejection = parseRejection(with(field, raw));
                assertThat(rejection).as("%s = %s", field, raw).isNotNull();
                assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
                assertThat(rejection.getMessage()).startsWith(field);
            }
        }

        @Test
        void wrongTypedQuantity() {
            for (String raw : List.of("null", "true", "[1]", "{\"v\": 1}", "\"abc\"", "\"\"", "\"1,5\"")) {
                UsageRejection rejection = parseRejection(with("quantity", raw));
                assertThat(rejection).as("quantity = %s", raw).isNotNull();
                assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
                assertThat(rejection.getMessage()).contains("quantity");
            }
        }

        @Test
        void wrongTypedTimestamp() {
            for (String raw : List.of("null", "\"1763600000\"", "true", "0", "-1", "99999999999999999999")) {
                UsageRejection rejection = parseRejection(with("timestamp", raw));
                assertThat(rejection).as("timestamp = %s", raw).isNotNull();
                assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
                assertThat(rejection.getMessage()).contains("timestamp");
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"1763600000.5", "1763600000.0", "1.7636e9"})
        void timestampAsFloatIsRejected(String raw) {
            UsageRejection rejection = parseRejection(with("timestamp", raw));
            assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
            assertThat(rejection.getMessage()).contains("timestamp");
        }

        @Test
        void idLength() throws UsageRejection {
            String id128 = "a".repeat(128);
            assertThat(parseOne(with("id", "\"" + id128 + "\"")).id()).isEqualTo(id128);
            UsageRejection rejection = parseRejection(with("id", "\"" + "a".repeat(129) + "\""));
            assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
            assertThat(rejection.getMessage()).contains("id").contains("128");
        }

        @Test
        void propertiesAreKeptAsStrings() throws UsageRejection {
            UsageEvent event = parseOne(with("properties", "{\"repo\": \"acme/api\", \"runner\": \"linux\", \"attempt\": 2}"));
            assertThat(event.properties()).containsExactly(
                    Map.entry("repo", "acme/api"), Map.entry("runner", "linux"), Map.entry("attempt", "2"));
            assertThat(parseOne(with("properties", null)).properties()).isEmpty();
            assertThat(parseOne(with("properties", "null")).properties()).isEmpty();
            UsageRejection rejection = parseRejection(with("properties", "\"repo=acme\""));
            assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
            assertThat(rejection.getMessage()).contains("properties");
        }
    }

    @Nested
    class Quantities {

        @Test
        void negativeQuantity() {
            for (String raw : List.of("-1", "-0.5", "\"-3\"")) {
                UsageRejection rejection = parseRejection(with("quantity", raw));
                assertThat(rejection.reason()).as("quantity = %s", raw).isEqualTo(RejectionReason.NEGATIVE_QUANTITY);
                assertThat(rejection.getMessage()).contains("quantity");
            }
        }

        @Test
        void zeroIsAccepted() throws UsageRejection {
            assertThat(parseOne(with("quantity", "0")).quantity()).isEqualByComparingTo("0");
            assertThat(parseOne(with("quantity", "-0")).quantity()).isEqualByComparingTo("0");
        }

        @Test
        void quantityAsString() throws UsageRejection {
            assertThat(parseOne(with("quantity", "\"12.5\"")).quantity()).isEqualTo(new BigDecimal("12.5"));
        }

        @Test
        void decimalsAreExactNotBinaryFloatingPoint() throws UsageRejection {
            // 0.1 as a double is 0.1000000000000000055511151231257827...; the parser must keep 0.1 exactly
            assertThat(parseOne(with("quantity", "0.1")).quantity()).isEqualTo(new BigDecimal("0.1"));
            // 12 decimals is the limit and is kept exactly
            assertThat(parseOne(with("quantity", "0.000000000001")).quantity()).isEqualTo(new BigDecimal("0.000000000001"));
            assertThat(parseOne(with("quantity", "123.456789012345")).quantity())
                    .isEqualTo(new BigDecimal("123.456789012345"));
        }

        @Test
        void thirteenDecimalsAreRejected() {
            for (String raw : List.of("0.0000000000001", "\"1.0000000000001\"", "1e-13")) {
                UsageRejection rejection = parseRejection(with("quantity", raw));
                assertThat(rejection.reason()).as("quantity = %s", raw).isEqualTo(RejectionReason.INVALID_FIELD);
                assertThat(rejection.getMessage()).contains("quantity").contains("12 decimals");
            }
        }

        @Test
        void trailingZerosDoNotCountAsDecimals() throws UsageRejection {
            // 1.0000000000000 has 13 written decimals but is exactly 1
            assertThat(parseOne(with("quantity", "1.0000000000000")).quantity()).isEqualTo(BigDecimal.ONE);
            assertThat(parseOne(with("quantity", "2.50")).quantity()).isEqualTo(new BigDecimal("2.5"));
        }

        @Test
        void bigIntegerQuantityIsExact() throws UsageRejection {
            // larger than Long.MAX_VALUE (9223372036854775807): must not overflow or lose digits
            assertThat(parseOne(with("quantity", "12345678901234567890")).quantity())
                    .isEqualTo(new BigDecimal("12345678901234567890"));
            assertThat(parseOne(with("quantity", "\"12345678901234567890\"")).quantity())
                    .isEqualTo(new BigDecimal("12345678901234567890"));
        }

        @Test
        void exponentNotationIsAPlainWholeNumber() throws UsageRejection {
            // 1e3 = 1000, stored with scale 0 (no "1E+3" in storage or invoices)
            BigDecimal q = parseOne(with("quantity", "1e3")).quantity();
            assertThat(q).isEqualTo(new BigDecimal("1000"));
            assertThat(q.toString()).isEqualTo("1000");
            assertThat(parseOne(with("quantity", "\"1.5E2\"")).quantity()).isEqualTo(new BigDecimal("150"));
        }

        @Test
        void thirtyEightDigitsAreAccepted() throws UsageRejection {
            String nines = "9".repeat(38);
            assertThat(parseOne(with("quantity", nines)).quantity()).isEqualTo(new BigDecimal(nines));
            // 1e37 = 1 followed by 37 zeros = 38 digits
            assertThat(parseOne(with("quantity", "1e37")).quantity()).isEqualTo(BigDecimal.TEN.pow(37));
        }

        @Test
        @Timeout(5)
        void hugeExponentIsRejectedQuickly() {
            // "1e100000000" is 11 characters but a 100,000,001-digit number: expanding it to a plain number takes
            // minutes and hundreds of MB, which would time out the whole SQS batch again and again.
            // 1e38 is a 1 followed by 38 zeros: 39 digits, one more than DynamoDB keeps
            for (String raw : List.of("1e100000000", "\"1e100000000\"", "1e38", "100000000000000000000000000000000000000")) {
                UsageRejection rejection = parseRejection(with("quantity", raw));
                assertThat(rejection).as("quantity = %s", raw).isNotNull();
                assertThat(rejection.reason()).isEqualTo(RejectionReason.INVALID_FIELD);
                assertThat(rejection.getMessage()).contains("quantity");
            }
        }
    }
}
