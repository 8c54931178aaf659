package dev.tally.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository from a test's working directory (a module directory under Maven). */
public final class RepoPaths {
    /** The file that marks the repository root. */
    public static final String TEMPLATE_FILE = "template.yaml";

    private RepoPaths() {
    }

    /**
     * The nearest directory, from the working directory upwards, that holds {@value #TEMPLATE_FILE}.
     *
     * @throws IllegalStateException when there is none
     */
    public static Path repoRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(TEMPLATE_FILE))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + TEMPLATE_FILE + " in " + start + " or any directory above it");
    }

    /** The repository's {@code template.yaml}; {@link IllegalStateException} when it cannot be found. */
    public static Path template() {
        return repoRoot().resolve(TEMPLATE_FILE);
    }
}
