package dev.tally.infra;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * terraform's own checks, where terraform is on PATH: {@code fmt -check} on the sources, then, in a copy under
 * target/ (so that nothing, not even .terraform.lock.hcl, is written into the repository), {@code init
 * -backend=false}, {@code validate}, and {@code test} (environments/prod/tests: a plan against a mocked AWS provider,
 * with placeholder jars where the functions' jars would be).
 *
 * <p>{@code init} needs the AWS provider: from the registry, or from {@code -Dterraform.plugin.dir=<dir>} (a
 * directory laid out as for {@code terraform init -plugin-dir}). Without either, validate and test are skipped with
 * init's reason.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TerraformCliTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static Path terraform;
    private static Path copy;
    private static Tools.Result init;

    @BeforeAll
    static void findTerraform() {
        Optional<Path> found = Tools.onPath("terraform");
        assumeTrue(found.isPresent(), "terraform is not on PATH: fmt, validate and test run where it is");
        terraform = found.get();
    }

    @Test
    @Order(1)
    void formatted() {
        Tools.Result fmt = terraform(List.of("fmt", "-check", "-recursive", "-diff", "-no-color"), Tools.terraformRoot());
        assertThat(fmt.exitCode()).as(() -> "terraform fmt -check found unformatted files (run `terraform fmt"
                + " -recursive` in infra-terraform):\n" + fmt.describe()).isZero();
    }

    @Test
    @Order(2)
    void productionEnvironmentValidates() throws IOException {
        initialised();
        Tools.Result validate = terraform(List.of("validate", "-no-color"), copy.resolve("infra-terraform/environments/prod"));
        assertThat(validate.exitCode()).as(validate::describe).isZero();
    }

    @Test
    @Order(3)
    void productionEnvironmentPlansAgainstAMockedProvider() throws IOException {
        initialised();
        Tools.Result test = terraform(List.of("test", "-no-color"), copy.resolve("infra-terraform/environments/prod"));
        assertThat(test.exitCode()).as(test::describe).isZero();
    }

    private static synchronized void initialised() throws IOException {
        if (init == null) {
            copy = Tools.workDir().resolve("terraform-work");
            Path target = copy.resolve("infra-terraform");
            deleteExceptProviders(target);
            copyTree(Tools.terraformRoot(), target);
            for (String jar : functionJars()) {
                Path placeholder = copy.resolve(jar);
                Files.createDirectories(placeholder.getParent());
                Files.writeString(placeholder, "placeholder for terraform test; not a jar\n");
            }
            List<String> args = new ArrayList<>(List.of("init", "-backend=false", "-input=false", "-no-color"));
            String pluginDir = System.getProperty("terraform.plugin.dir", "");
            if (!pluginDir.isBlank()) {
                args.add("-plugin-dir=" + Path.of(pluginDir).toAbsolutePath());
            }
            init = terraform(args, target.resolve("environments/prod"));
        }
        if (init.exitCode() != 0) {
            abort("terraform init could not install the AWS provider (no registry access? pass"
                    + " -Dterraform.plugin.dir=<provider directory>):\n" + init.describe());
        }
    }

    /** The code paths template.yaml gives its functions (the Terraform functions use the same; the agreement test checks). */
    private static List<String> functionJars() throws IOException {
        List<String> jars = new ArrayList<>();
        SystemDescription.YAML.readTree(Tools.template().toFile()).path("Resources").forEach(r -> {
            if (r.path("Type").asText().equals("AWS::Serverless::Function")) {
                jars.add(r.path("Properties").path("CodeUri").asText());
            }
        });
        return jars;
    }

    private static Tools.Result terraform(List<String> args, Path dir) {
        List<String> command = new ArrayList<>();
        command.add(terraform.toString());
        command.addAll(args);
        Map<String, String> env = new HashMap<>();
        env.put("CHECKPOINT_DISABLE", "1");
        env.put("TF_IN_AUTOMATION", "1");
        env.put("TF_INPUT", "0");
        return Tools.run(command, dir, env, TIMEOUT);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String name = dir.getFileName().toString();
                if (name.equals(".terraform")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (!name.endsWith(".tfstate") && !name.equals(".terraform.lock.hcl")) {
                    Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Removes a previous copy's files but keeps its .terraform directories, so that init need not fetch again. */
    private static void deleteExceptProviders(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                return d.getFileName().toString().equals(".terraform") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!file.getFileName().toString().equals(".terraform.lock.hcl")) {
                    Files.delete(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
