package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.local.testhandlers.ScheduledHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A runtime with a subset of functions and schedules that fire only on demand. */
class LocalRuntimeOptionsTest {

    @Test
    void runsOnlyTheSelectedFunctionsAndLeavesSchedulesToTheCaller() {
        Instant start = Instant.parse("2026-05-01T08:00:00Z");
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntimeConfig.builder(TestPaths.testTemplate())
                .freePorts()
                .clockStart(start)
                .clockTicking(false)
                .functions(List.of("TickFunction"))
                .automaticSchedules(false)
                .build())) {
            assertThat(runtime.runningFunctions()).containsExactly("TickFunction");
            assertThatThrownBy(() -> runtime.handler("WorkFunction")).isInstanceOf(IllegalArgumentException.class);
            assertThat(runtime.describe())
                    .contains("Not running [WorkFunction, StreamFunction, EchoFunction]")
                    .contains("fire only through runSchedule");
            assertThat(runtime.functionEnvironment("WorkFunction")).containsKey("WORK_QUEUE_URL");

            ScheduledHandler handler = runtime.handler("TickFunction", ScheduledHandler.class);
            runtime.clock().advance(Duration.ofHours(5));
            runtime.awaitIdle(Duration.ofSeconds(10));
            assertThat(handler.events).isEmpty();

            assertThat(runtime.runSchedule("TickFunction")).isEqualTo("tick 2026-05-01T13:00:00Z");
            assertThat(handler.eventTimes()).containsExactly(Instant.parse("2026-05-01T13:00:00Z"));
        }
    }
}
