package dev.tally.catalog;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A catalog or price file that is not valid: every problem found, each with the file, the JSON path of the value at
 * fault and the reason. Thrown by {@link CatalogLoader}; a permanent failure (fix the file), never worth a retry.
 */
public final class CatalogException extends IllegalArgumentException {

    /**
     * One problem in a file.
     *
     * @param file the file (or classpath resource, or {@code -} for standard input) as the caller named it
     * @param path JSON path of the value at fault, e.g. {@code $.prices[3].unit_amount} ({@code $} for the document)
     * @param reason what is wrong and, where it helps, what is expected
     */
    public record Problem(String file, String path, String reason) {
        @Override
        public String toString() {
            return file + ": " + path + ": " + reason;
        }
    }

    private final transient List<Problem> problems;

    /**
     * @param problems at least one problem, in the order to report them
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    public CatalogException(List<Problem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    /** @return every problem found, in report order (by path, then reason) */
    public List<Problem> problems() {
        return problems;
    }

    private static String message(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a CatalogException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.getFirst().toString();
        }
        return problems.size() + " problems:\n" + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
    }
}
