package dev.tally.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class RepoPathsTest {

    @Test
    void findsTheRepositoryTemplateFromAModuleDirectory() {
        assertThat(RepoPaths.template()).isRegularFile().hasFileName("template.yaml");
        assertThat(RepoPaths.template().getParent()).isEqualTo(RepoPaths.repoRoot());
        assertThat(Files.isDirectory(RepoPaths.repoRoot().resolve("test-support"))).isTrue();
    }
}
