package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.local.template.EventPattern;
import org.junit.jupiter.api.Test;

class EventPatternTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode record(String eventName, String entryKey) throws Exception {
        return JSON.readTree("{\"eventName\": \"" + eventName + "\", \"dynamodb\": {\"Keys\": {\"accountId\": {\"S\": "
                + "\"acct_1\"}, \"entryKey\": {\"S\": \"" + entryKey + "\"}}}}");
    }

    @Test
    void matchesTheTemplatesPatterns() throws Exception {
        EventPattern inserts = EventPattern.parse("{\"eventName\": [\"INSERT\"]}", "t");
        EventPattern balances = EventPattern.parse(
                "{\"dynamodb\": {\"Keys\": {\"entryKey\": {\"S\": [{\"prefix\": \"BALANCE#\"}]}}}}", "t");

        assertThat(inserts.matches(record("INSERT", "x"))).isTrue();
        assertThat(inserts.matches(record("MODIFY", "x"))).isFalse();
        assertThat(balances.matches(record("MODIFY", "BALANCE#usd"))).isTrue();
        assertThat(balances.matches(record("MODIFY", "GRANT#1"))).isFalse();
        assertThat(balances.matches(JSON.readTree("{\"eventName\": \"INSERT\"}"))).isFalse();
    }

    @Test
    void supportsAFewNeighbouringOperators() throws Exception {
        JsonNode r = record("REMOVE", "BALANCE#usd");
        assertThat(EventPattern.parse("{\"eventName\": [{\"anything-but\": [\"INSERT\"]}]}", "t").matches(r)).isTrue();
        assertThat(EventPattern.parse("{\"eventName\": [{\"suffix\": \"OVE\"}]}", "t").matches(r)).isTrue();
        assertThat(EventPattern.parse("{\"dynamodb\": {\"NewImage\": [{\"exists\": false}]}}", "t").matches(r))
                .isTrue();
        assertThat(EventPattern.parse("{\"eventName\": [{\"equals-ignore-case\": \"remove\"}]}", "t").matches(r))
                .isTrue();
    }

    @Test
    void rejectsWhatItDoesNotImplement() {
        assertThatThrownBy(() -> EventPattern.parse("{\"n\": [{\"numeric\": [\">\", 0]}]}", "where"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("where: filter operator numeric is not supported locally");
        assertThatThrownBy(() -> EventPattern.parse("{\"$or\": [{}]}", "where"))
                .hasMessageContaining("$or is not supported");
        assertThatThrownBy(() -> EventPattern.parse("{\"eventName\": \"INSERT\"}", "where"))
                .hasMessageContaining("must be arrays or objects");
    }
}
