package dev.tally.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * One error policy for every {@code tally} command: exit code 0 when the command did its work, 1 when it could not
 * (a one-line message on stderr naming what is wrong and what to do, no stack trace), 2 on invalid usage (the
 * message, then where to find the usage). {@code --verbose} (any command) adds the stack trace to a failure.
 */
final class Errors {
    /** Exit code: the command could not do its work. */
    static final int FAILED = 1;
    /** Exit code: invalid usage (unknown option, missing or ill-formed value, value out of range). */
    static final int USAGE = CommandLine.ExitCode.USAGE;

    private Errors() {
    }

    /**
     * Installs the policy on the root command line: failures thrown by a command's {@code call} become exit code 1
     * with a message ({@link #report}), parse errors exit code 2 ({@link #usage}).
     *
     * @param root the {@code tally} command line
     * @return {@code root}
     */
    static CommandLine install(CommandLine root) {
        root.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(commandLine, message(e), e));
        root.setParameterExceptionHandler(Errors::usage);
        return root;
    }

    /**
     * Prints {@code <command>: <message>} on the command's stderr, and the stack trace of {@code cause} when
     * {@code --verbose} was given (else a hint that it shows one, for unexpected errors).
     *
     * @param commandLine the command that failed
     * @param message what is wrong and what to do
     * @param cause the exception behind it, or null
     * @return {@link #FAILED}
     */
    static int report(CommandLine commandLine, String message, Throwable cause) {
        PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
        if (cause != null && verbose(commandLine)) {
            cause.printStackTrace(err);
        } else if (cause != null && !expected(cause)) {
            err.println("(--verbose shows the stack trace)");
        }
        err.flush();
        return FAILED;
    }

    /** Invalid usage: the message, suggestions for a mistyped option, where the usage is; exit code 2. */
    static int usage(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        String name = commandLine.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Usage: `" + name + " --help`.");
        if (verbose(commandLine)) {
            e.printStackTrace(err);
        }
        err.flush();
        return USAGE;
    }

    /**
     * What a person needs to know about an exception: a {@link Failure}'s message as is; the message of the
     * exceptions the local runtime throws when it cannot start (port in use, template unreadable: they name the
     * cause); otherwise the exception's type and message.
     */
    static String message(Throwable e) {
        if (expected(e)) {
            return e.getMessage();
        }
        return "unexpected " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static boolean expected(Throwable e) {
        return e instanceof Failure
                || (e instanceof UncheckedIOException || e instanceof IllegalStateException
                || e instanceof IllegalArgumentException) && e.getMessage() != null;
    }

    /** Whether {@code --verbose} was given on the command or any command above it. */
    static boolean verbose(CommandLine commandLine) {
        CommandLine root = commandLine;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        for (ParseResult r = root.getParseResult(); r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
