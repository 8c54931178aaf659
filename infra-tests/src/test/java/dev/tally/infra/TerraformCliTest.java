package dev.tally.infra;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * terraform's own checks, where terraform is on PATH: {@code fmt -check} on the sources, then for every root
 * (each module, its examples, bootstrap, each environment; see {@link TerraformWorkspace}) {@code init} offline,
 * {@code validate}, and {@code terraform test} where the root has a {@code tests/} directory (plans against a mocked
 * AWS provider). The roots are checked three at a time before the tests report, one per root and step.
 *
 * <p>{@code init} needs the AWS provider from a filesystem mirror ({@code /opt/tf-plugins}, or
 * {@code -Dterraform.plugin.dir=<dir>}); without one, validate and test are skipped with init's reason.
 */
class TerraformCliTest {

    private static TerraformWorkspace workspace;
    private static final Map<String, Tools.Result> VALIDATE = new ConcurrentHashMap<>();
    private static final Map<String, Tools.Result> TEST = new ConcurrentHashMap<>();

    @BeforeAll
    static void checkEveryRoot() throws Exception {
        workspace = TerraformWorkspace.get().orElse(null);
        assumeTrue(workspace != null, TerraformWorkspace.unavailable());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (String root : TerraformWorkspace.roots()) {
                runs.add(pool.submit(() -> {
                    if (workspace.init(root).exitCode() != 0) {
                        return;
                    }
                    VALIDATE.put(root, workspace.run(List.of("validate", "-no-color"), workspace.dir(root)));
                    if (Files.isDirectory(workspace.dir(root).resolve("tests"))) {
                        TEST.put(root, workspace.run(List.of("test", "-no-color"), workspace.dir(root)));
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void formatted() {
        Tools.Result fmt = workspace.run(List.of("fmt", "-check", "-recursive", "-diff", "-no-color"), Tools.terraformRoot());
        assertThat(fmt.exitCode()).as(() -> "terraform fmt -check found unformatted files (run `terraform fmt"
                + " -recursive` in infra-terraform):\n" + fmt.describe()).isZero();
    }

    @TestFactory
    Stream<DynamicTest> everyRootValidates() {
        return TerraformWorkspace.roots().stream().map(root -> DynamicTest.dynamicTest(root, () -> {
            initialised(root);
            Tools.Result validate = VALIDATE.get(root);
            assertThat(validate.exitCode()).as(validate::describe).isZero();
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyRootWithTestsPassesThem() {
        return TerraformWorkspace.roots().stream()
                .filter(root -> Files.isDirectory(Tools.terraformRoot().resolve(root).resolve("tests")))
                .map(root -> DynamicTest.dynamicTest(root, () -> {
                    initialised(root);
                    Tools.Result test = TEST.get(root);
                    assertThat(test.exitCode()).as(test::describe).isZero();
                }));
    }

    /** Each module has tests and an example; each root configuration commits its lock file. */
    @Test
    void modulesHaveTestsAndExamplesAndRootsTheirLockFile() {
        for (String root : TerraformWorkspace.roots()) {
            if (root.matches("modules/[^/]+")) {
                assertThat(Tools.terraformRoot().resolve(root).resolve("tests")).as(root + " tests").isDirectory();
                assertThat(Tools.terraformRoot().resolve(root).resolve("README.md")).as(root + " README").isRegularFile();
                if (!root.equals("modules/tally-stack")) {
                    assertThat(Tools.terraformRoot().resolve(root).resolve("examples")).as(root + " examples").isDirectory();
                }
            }
            if (TerraformWorkspace.isRootConfiguration(root)) {
                assertThat(Tools.terraformRoot().resolve(root).resolve(".terraform.lock.hcl")).as(root + " lock file").isRegularFile();
            }
        }
        assertThat(TerraformWorkspace.roots()).contains("bootstrap", "environments/dev", "environments/prod",
                "modules/lambda-function", "modules/sqs-queue", "modules/dynamodb-table");
    }

    private static void initialised(String root) {
        Tools.Result init = workspace.init(root);
        if (init.exitCode() != 0) {
            abort("terraform init could not install the AWS provider (no filesystem mirror at /opt/tf-plugins? pass"
                    + " -Dterraform.plugin.dir=<provider directory>):\n" + init.describe());
        }
    }
}
