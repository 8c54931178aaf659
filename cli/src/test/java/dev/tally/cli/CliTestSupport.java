package dev.tally.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers shared by the CLI's tests. */
final class CliTestSupport {
    private CliTestSupport() {
    }

    /** The repository root: the nearest directory above the working directory that holds template.yaml. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("template.yaml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
