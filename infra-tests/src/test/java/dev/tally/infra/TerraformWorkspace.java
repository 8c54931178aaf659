package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A copy of infra-terraform under {@code target/terraform-work} (so that nothing, not even {@code .terraform/}, is
 * written into the repository) where terraform runs offline: providers come from a filesystem mirror
 * ({@code -Dterraform.plugin.dir}, else {@code /opt/tf-plugins} when it exists) through a CLI configuration, so
 * {@code init} links the provider instead of downloading it; the functions' jars are placeholders.
 *
 * <p>Roots: every module, each module's {@code examples/*}, {@code bootstrap} and every {@code environments/*}.
 * Environments (and bootstrap) init against their committed {@code .terraform.lock.hcl} ({@code
 * -lockfile=readonly}): a provider that does not match the lock file fails. {@link #planJson(String)} plans an
 * environment against mock credentials (an override file: no account, no API call) and returns the plan's JSON.
 */
final class TerraformWorkspace {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final String DEFAULT_PLUGIN_DIR = "/opt/tf-plugins";
    private static TerraformWorkspace instance;

    final Path terraform;
    final Path copy;
    private final Path cliConfig;
    private final Map<Path, Tools.Result> inits = new ConcurrentHashMap<>();

    private TerraformWorkspace(Path terraform, Path copy, Path cliConfig) {
        this.terraform = terraform;
        this.copy = copy;
        this.cliConfig = cliConfig;
    }

    /** @return the workspace, or empty (with the reason in {@link #unavailable()}) when terraform is not on PATH */
    static synchronized Optional<TerraformWorkspace> get() {
        if (instance == null) {
            Optional<Path> found = Tools.onPath("terraform");
            if (found.isEmpty()) {
                return Optional.empty();
            }
            try {
                Path copy = Tools.workDir().resolve("terraform-work");
                Path target = copy.resolve("infra-terraform");
                deleteExceptProviders(target);
                copyTree(Tools.terraformRoot(), target);
                for (String jar : functionJars()) {
                    Path placeholder = copy.resolve(jar);
                    Files.createDirectories(placeholder.getParent());
                    Files.writeString(placeholder, "placeholder for terraform test; not a jar\n");
                }
                Path cliConfig = copy.resolve("terraform.rc");
                String pluginDir = System.getProperty("terraform.plugin.dir", "");
                if (pluginDir.isBlank() && Files.isDirectory(Path.of(DEFAULT_PLUGIN_DIR))) {
                    pluginDir = DEFAULT_PLUGIN_DIR;
                }
                Files.writeString(cliConfig, pluginDir.isBlank() ? "" : """
                        provider_installation {
                          filesystem_mirror {
                            path = "%s"
                          }
                        }
                        """.formatted(Path.of(pluginDir).toAbsolutePath().toString().replace("\\", "/")));
                instance = new TerraformWorkspace(found.get(), copy, cliConfig);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.of(instance);
    }

    static String unavailable() {
        return "terraform is not on PATH: fmt, validate, test and the plan policy checks run where it is";
    }

    /** @return root directories relative to infra-terraform, e.g. {@code modules/sqs-queue}, {@code environments/prod} */
    static List<String> roots() {
        List<String> roots = new ArrayList<>();
        Path root = Tools.terraformRoot();
        try (Stream<Path> dirs = Files.walk(root)) {
            dirs.filter(Files::isDirectory)
                    .filter(d -> !d.toString().contains(".terraform"))
                    .filter(d -> !d.getFileName().toString().equals("tests"))
                    .filter(d -> {
                        try (Stream<Path> files = Files.list(d)) {
                            return files.anyMatch(f -> f.getFileName().toString().endsWith(".tf"));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .map(d -> root.relativize(d).toString().replace('\\', '/'))
                    .sorted()
                    .forEach(roots::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return roots;
    }

    /** A root configuration (environment, bootstrap) commits its lock file; a module does not. */
    static boolean isRootConfiguration(String root) {
        return root.startsWith("environments/") || root.equals("bootstrap");
    }

    Path dir(String root) {
        return copy.resolve("infra-terraform").resolve(root);
    }

    /** Runs {@code terraform init} once per root; the result says whether providers could be installed. */
    Tools.Result init(String root) {
        return inits.computeIfAbsent(dir(root), d -> {
            List<String> args = new ArrayList<>(List.of("init", "-backend=false", "-input=false", "-no-color"));
            if (isRootConfiguration(root)) {
                args.add("-lockfile=readonly");
            }
            return run(args, d);
        });
    }

    /** Runs terraform with the workspace's CLI configuration, non-interactively. */
    Tools.Result run(List<String> args, Path dir) {
        List<String> command = new ArrayList<>();
        command.add(terraform.toString());
        command.addAll(args);
        Map<String, String> env = new HashMap<>();
        env.put("CHECKPOINT_DISABLE", "1");
        env.put("TF_IN_AUTOMATION", "1");
        env.put("TF_INPUT", "0");
        env.put("TF_CLI_CONFIG_FILE", cliConfig.toString());
        return Tools.run(command, dir, env, TIMEOUT);
    }

    /**
     * Plans an environment with mock credentials and a local backend (an override file in a copy of the
     * environment, so init is separate from validate's) and returns {@code terraform show -json} of the plan.
     *
     * @throws AssertionError with terraform's output when a step fails
     */
    synchronized JsonNode planJson(String environment) throws IOException {
        Path source = dir("environments/" + environment);
        Path planDir = source.resolveSibling(environment + ".plan");
        Files.createDirectories(planDir);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, planDir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(planDir.resolve("ci_override.tf"), """
                # Written by infra-tests: plan offline, with no account and no state.
                terraform {
                  backend "local" {}
                }

                provider "aws" {
                  access_key                  = "mock"
                  secret_key                  = "mock"
                  skip_credentials_validation = true
                  skip_requesting_account_id  = true
                  skip_metadata_api_check     = true
                  allowed_account_ids         = null
                }
                """);
        Tools.Result init = run(List.of("init", "-input=false", "-no-color", "-lockfile=readonly", "-reconfigure"), planDir);
        if (init.exitCode() != 0) {
            throw new AssertionError(init.describe());
        }
        Tools.Result plan = run(List.of("plan", "-input=false", "-no-color", "-lock=false", "-out=tally.plan",
                "-var=aws_region=eu-west-1", "-var=aws_account_id=123456789012",
                "-var=stripe_webhook_secret_arn=arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally/stripe-webhook-AbCdEf",
                "-var=usage_sender_principal_arns=[\"arn:aws:iam::123456789012:role/product\"]"), planDir);
        if (plan.exitCode() != 0) {
            throw new AssertionError(plan.describe());
        }
        Tools.Result show = run(List.of("show", "-json", "-no-color", "tally.plan"), planDir);
        if (show.exitCode() != 0) {
            throw new AssertionError(show.describe());
        }
        return Hcl.JSON.readTree(show.stdout());
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

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.getFileName().toString().equals(".terraform")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (!name.endsWith(".tfstate") && !name.endsWith(".plan")) {
                    Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Removes a previous copy's files but keeps its .terraform directories, so that init has less to do. */
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
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
