package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures are reported before anything is started. */
class LocalRuntimeStartTest {

    @Test
    void anUnknownFunctionIsRejected() {
        assertThatThrownBy(() -> LocalRuntime.start(LocalRuntimeConfig.builder(TestPaths.testTemplate())
                .freePorts().functions(List.of("NoSuchFunction")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no function named NoSuchFunction");
    }

    @Test
    void aMissingHandlerClassIsRejectedNamingTheFunction(@TempDir Path dir) throws Exception {
        Path template = dir.resolve("template.yaml");
        Files.writeString(template, """
                Resources:
                  Broken:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: com.example.Missing::handleRequest
                """);
        assertThatThrownBy(() -> LocalRuntime.start(LocalRuntimeConfig.builder(template).freePorts().build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Broken: handler class com.example.Missing cannot be loaded");
    }

    @Test
    void aHandlerWithoutTheLocalConstructorIsRejected(@TempDir Path dir) throws Exception {
        Path template = dir.resolve("template.yaml");
        Files.writeString(template, """
                Resources:
                  NoCtor:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: dev.tally.local.LocalRuntimeStartTest$NoLocalConstructor::handleRequest
                """);
        assertThatThrownBy(() -> LocalRuntime.start(LocalRuntimeConfig.builder(template).freePorts().build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a public constructor (java.util.Map<String,String> env, java.time.Clock");
    }

    /** A handler with only a no-arg constructor. */
    public static class NoLocalConstructor
            implements com.amazonaws.services.lambda.runtime.RequestHandler<Object, Object> {
        @Override
        public Object handleRequest(Object input, com.amazonaws.services.lambda.runtime.Context context) {
            return input;
        }
    }
}
