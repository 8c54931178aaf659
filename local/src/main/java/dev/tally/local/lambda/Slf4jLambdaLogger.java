package dev.tally.local.lambda;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LambdaLogger} that writes to SLF4J, under the logger name {@code lambda.<FunctionLogicalId>}. Messages
 * without a level go out at INFO; trailing line breaks are trimmed. Thread-safe.
 */
public final class Slf4jLambdaLogger implements LambdaLogger {
    private final Logger logger;

    /**
     * A logger for one function.
     *
     * @param functionName the function's logical id, used in the logger name
     */
    public Slf4jLambdaLogger(String functionName) {
        this.logger = LoggerFactory.getLogger("lambda." + functionName);
    }

    @Override
    public void log(String message) {
        log(message, LogLevel.INFO);
    }

    @Override
    public void log(byte[] message) {
        log(new String(message, StandardCharsets.UTF_8), LogLevel.INFO);
    }

    @Override
    public void log(String message, LogLevel level) {
        String text = message == null ? "null" : message.stripTrailing();
        switch (level == null ? LogLevel.INFO : level) {
            case TRACE -> logger.trace(text);
            case DEBUG -> logger.debug(text);
            case WARN -> logger.warn(text);
            case ERROR, FATAL -> logger.error(text);
            default -> logger.info(text);
        }
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        log(new String(message, StandardCharsets.UTF_8), level);
    }
}
