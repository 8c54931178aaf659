package dev.tally.cli;

/**
 * An expected failure the user can act on: the command could not do its work (exit code 1). Its message names the
 * one thing that is wrong and what to do, and is printed after the command's name, without a stack trace
 * ({@code --verbose} adds the trace of the cause). Invalid usage is a picocli {@code ParameterException} instead
 * (exit code 2).
 */
final class Failure extends RuntimeException {
    /**
     * @param message what is wrong and what to do, one sentence or two
     */
    Failure(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and what to do
     * @param cause what went wrong underneath, shown with {@code --verbose}
     */
    Failure(String message, Throwable cause) {
        super(message, cause);
    }
}
