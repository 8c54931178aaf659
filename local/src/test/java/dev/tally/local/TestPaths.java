package dev.tally.local;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the test templates are. */
final class TestPaths {
    private TestPaths() {
    }

    /** The repository's own template.yaml, found by walking up from the working directory. */
    static Path repoTemplate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("template.yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no template.yaml above " + Path.of("").toAbsolutePath());
    }

    /** src/test/resources/test-template.yaml. */
    static Path testTemplate() {
        try {
            return Path.of(TestPaths.class.getResource("/test-template.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
