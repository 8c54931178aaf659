package dev.tally.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tally.local.EmbeddedAws;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateStack;
import dev.tally.local.template.FunctionResource;
import dev.tally.local.template.TemplateModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * {@code tally bench coldstart}: starts each function's deployment artifact in a fresh JVM under AWS's runtime
 * interface client ({@code com.amazonaws.services.lambda.runtime.api.client.AWSLambda}, the java21 runtime's own),
 * against a local Runtime API ({@link RuntimeApi}), with the environment template.yaml gives the function (its
 * {@code JAVA_TOOL_OPTIONS} included) and DynamoDB Local / ElasticMQ as its AWS. Per function: artifact size, init
 * (process start to the first {@code next}), first and second invocation; beside {@link FloorHandler}, one DynamoDB
 * client built the same way and one call, in the same run. Medians over {@code --runs}; no SnapStart.
 *
 * <p>The last line is one JSON object with every figure and whether the goals hold: every artifact at most
 * {@value #MAX_ARTIFACT_BYTES} bytes, and init plus first invocation at most {@value #MAX_RATIO}x the floor's. Exit 0
 * when every process ran and answered (whatever the goals), 1 otherwise.
 */
@Command(name = "coldstart", mixinStandardHelpOptions = true,
        description = "Cold start of each function's artifact under the Lambda runtime interface client, beside a floor handler.")
public final class ColdStartCommand implements Callable<Integer> {

    static final long MAX_ARTIFACT_BYTES = 20_000_000L;
    static final double MAX_RATIO = 1.5;
    private static final String FLOOR = "floor";
    private static final String RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    private static final String WEBHOOK_SECRET = "whsec_bench";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--template", defaultValue = "template.yaml", description = "SAM template (default: ${DEFAULT-VALUE}).")
    Path template;

    @Option(names = "--runs", defaultValue = "3", description = "Fresh JVMs per function; medians are printed (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--timeout-seconds", defaultValue = "120", description = "Longest wait for one process (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--function", description = "Only this function (logical id, e.g. StripeWebhookFunction); repeatable.")
    List<String> only;

    @Option(names = "--work-dir", defaultValue = "target/bench-coldstart",
            description = "Where the floor's jar and each process's output go (default: ${DEFAULT-VALUE}).")
    Path workDir;

    /** One process: times in milliseconds, or the reason it failed. */
    record Run(double initMs, double firstMs, double secondMs, String failure) {
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        TemplateModel model = TemplateModel.load(template);
        Path root = template.toAbsolutePath().getParent();
        Files.createDirectories(workDir);
        List<String> runtimeJars = runtimeInterfaceClientJars();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Map<String, FunctionResource> functions = new LinkedHashMap<>(model.functions());
        if (only != null && !only.isEmpty()) {
            functions.keySet().retainAll(only);
        }
        Map<String, List<Run>> results = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        int failures = 0;
        try (EmbeddedAws aws = EmbeddedAws.start();
             TemplateStack stack = new TemplateStack(model, aws.connection(), Map.of())) {
            stack.provision(ProvisionOptions.defaults());
            Map<String, String> extras = Map.of("TALLY_LOCAL", "false", "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET,
                    "STRIPE_SYNC_MODE", "record", "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
            Map<String, Path> artifacts = new LinkedHashMap<>();
            functions.forEach((id, fn) -> artifacts.put(id, root.resolve(codeUri(template, id))));
            for (Map.Entry<String, Path> a : artifacts.entrySet()) {
                if (!Files.isRegularFile(a.getValue())) {
                    System.err.println("missing artifact " + a.getValue() + ": build it with `mvn -q package -DskipTests`");
                    return 1;
                }
                sizes.put(a.getKey(), Files.size(a.getValue()));
            }
            Path floorJar = floorJar();
            // The floor's SDK, url-connection client and AwsClients come from an artifact that has them all.
            Path floorDeps = root.resolve(codeUri(template, "UsageIngestFunction"));
            Map<String, String> floorEnv = new HashMap<>(stack.functionEnvironment("UsageIngestFunction", extras));

            out.printf("cold start: %d run(s) per function, %s, runtime interface client %s%n", runs,
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), RIC_MAIN);
            for (int r = 0; r < runs; r++) {
                results.computeIfAbsent(FLOOR, k -> new ArrayList<>()).add(run(FLOOR, java,
                        List.of(floorJar.toString(), floorDeps.toString()), runtimeJars, FloorHandler.class.getName() + "::handleRequest",
                        floorEnv, List.of("{}", "{}")));
                for (Map.Entry<String, FunctionResource> f : functions.entrySet()) {
                    String id = f.getKey();
                    FunctionResource fn = f.getValue();
                    results.computeIfAbsent(id, k -> new ArrayList<>()).add(run(id, java,
                            List.of(artifacts.get(id).toString()), runtimeJars, fn.handlerClass() + "::" + fn.handlerMethod(),
                            stack.functionEnvironment(id, extras), ColdStartEvents.forFunction(id, WEBHOOK_SECRET)));
                }
            }
        }

        Map<String, Run> medians = new LinkedHashMap<>();
        results.forEach((id, list) -> medians.put(id, median(list)));
        Run floor = medians.get(FLOOR);
        double floorCold = floor.initMs() + floor.firstMs();

        out.printf("%n%-26s %11s %9s %9s %9s %12s %8s%n", "function", "artifact MB", "init ms", "1st ms", "2nd ms",
                "init+1st ms", "x floor");
        out.printf("%-26s %11s %9.0f %9.0f %9.0f %12.0f %8s%n", "floor (1 DynamoDB client)", "-", floor.initMs(),
                floor.firstMs(), floor.secondMs(), floorCold, "1.00");
        ObjectNode json = JSON.createObjectNode().put("bench", "coldstart").put("runs", runs)
                .put("java", System.getProperty("java.version")).put("snap_start", false);
        json.set("floor", figures(floor, null, floorCold));
        ObjectNode fns = json.putObject("functions");
        boolean sizesMet = true;
        boolean ratiosMet = true;
        for (String id : functions.keySet()) {
            Run m = medians.get(id);
            String name = artifactName(id);
            double cold = m.initMs() + m.firstMs();
            double ratio = cold / floorCold;
            long size = sizes.get(id);
            sizesMet &= size <= MAX_ARTIFACT_BYTES;
            ratiosMet &= ratio <= MAX_RATIO;
            long failed = results.get(id).stream().filter(x -> x.failure() != null).count();
            failures += (int) failed;
            out.printf("%-26s %11.2f %9.0f %9.0f %9.0f %12.0f %8.2f%s%n", name, size / 1e6, m.initMs(), m.firstMs(),
                    m.secondMs(), cold, ratio, failed > 0 ? "  FAILED " + results.get(id).stream()
                            .filter(x -> x.failure() != null).findFirst().orElseThrow().failure() : "");
            ObjectNode f = figures(m, size, cold);
            f.put("ratio_to_floor", Math.round(ratio * 100) / 100.0).put("failed_runs", failed);
            fns.set(name, f);
        }
        failures += (int) results.get(FLOOR).stream().filter(x -> x.failure() != null).count();
        out.printf("%ngoals: every artifact <= %d MB: %s; init+1st <= %.1fx floor: %s (outputs in %s)%n",
                MAX_ARTIFACT_BYTES / 1_000_000, sizesMet ? "met" : "NOT met", MAX_RATIO, ratiosMet ? "met" : "NOT met",
                workDir.toAbsolutePath());
        json.putObject("goals").put("artifact_max_bytes", MAX_ARTIFACT_BYTES).put("artifacts_met", sizesMet)
                .put("ratio_max", MAX_RATIO).put("ratios_met", ratiosMet).put("failed_runs", failures);
        out.println(json);
        return failures == 0 ? 0 : 1;
    }

    private Run run(String id, String java, List<String> code, List<String> runtimeJars, String handler,
                    Map<String, String> environment, List<String> events) throws IOException, InterruptedException {
        List<String> classpath = new ArrayList<>(runtimeJars);
        classpath.addAll(code);
        try (RuntimeApi api = new RuntimeApi(events)) {
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", String.join(File.pathSeparator, classpath), RIC_MAIN, handler);
            pb.environment().clear();
            pb.environment().putAll(environment);
            pb.environment().put("AWS_LAMBDA_RUNTIME_API", api.address());
            pb.environment().put("_HANDLER", handler);
            pb.environment().put("AWS_EMF_ENVIRONMENT", "Local");
            Path log = workDir.resolve(artifactName(id) + ".log");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            long start = System.nanoTime();
            Process process = pb.start();
            try {
                long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
                List<RuntimeApi.Invocation> done = new ArrayList<>();
                while (done.size() < events.size() && System.currentTimeMillis() < deadline) {
                    RuntimeApi.Invocation invocation = api.awaitInvocation(200);
                    if (invocation != null) {
                        done.add(invocation);
                    } else if (!process.isAlive() || api.initError() != null) {
                        break;
                    }
                }
                if (done.size() < events.size()) {
                    String why = api.initError() != null ? "init error " + api.initError()
                            : !process.isAlive() ? "exited with " + process.exitValue() : "timed out";
                    return new Run(Double.NaN, Double.NaN, Double.NaN, why + " (see " + log + ")");
                }
                String failure = done.stream().filter(RuntimeApi.Invocation::error).findFirst()
                        .map(i -> "invocation error " + i.body()).orElse(null);
                return new Run(ms(done.get(0).askedAt() - start), ms(done.get(0).answeredAt() - done.get(0).askedAt()),
                        ms(done.get(1).answeredAt() - done.get(1).askedAt()), failure);
            } finally {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Classes whose jars make the runtime: the client, its event serialization, lambda-core, the SDK's utils-lite. */
    private static final List<String> RUNTIME_CLASSES = List.of(RIC_MAIN,
            "com.amazonaws.services.lambda.runtime.serialization.PojoSerializer",
            "com.amazonaws.services.lambda.runtime.Context",
            "software.amazon.awssdk.utilslite.SdkInternalThreadLocal");

    /** The runtime's own jars, as on Lambda's class path beside the function (located by class, not by name). */
    private static List<String> runtimeInterfaceClientJars() {
        List<String> jars = new ArrayList<>();
        for (String className : RUNTIME_CLASSES) {
            try {
                Class<?> type = Class.forName(className, false, ColdStartCommand.class.getClassLoader());
                String jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
                if (!jars.contains(jar)) {
                    jars.add(jar);
                }
            } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
                throw new IllegalStateException(className + " is not on the class path: the runtime interface client"
                        + " and its dependencies must be", e);
            }
        }
        return jars;
    }

    /** A jar with only {@link FloorHandler}; its dependencies come from an artifact that has the same SDK. */
    private Path floorJar() throws IOException {
        Path jar = workDir.resolve("floor.jar");
        String entry = FloorHandler.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             InputStream in = FloorHandler.class.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) {
                throw new IllegalStateException(entry + " not found");
            }
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    /** The function's {@code CodeUri}: the local runtime runs handlers in-process and does not keep it. */
    private static String codeUri(Path template, String functionId) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(template.toFile())
                    .path("Resources").path(functionId).path("Properties").path("CodeUri").asText();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + template, e);
        }
    }

    /** UsageIngestFunction -> usage-ingest (the artifact's name). */
    private static String artifactName(String functionId) {
        if (functionId.equals(FLOOR)) {
            return FLOOR;
        }
        String base = functionId.endsWith("Function") ? functionId.substring(0, functionId.length() - "Function".length()) : functionId;
        return base.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
    }

    private static ObjectNode figures(Run run, Long size, double cold) {
        ObjectNode f = JSON.createObjectNode();
        if (size != null) {
            f.put("artifact_bytes", size);
        }
        return f.put("init_ms", Math.round(run.initMs())).put("first_ms", Math.round(run.firstMs()))
                .put("second_ms", Math.round(run.secondMs())).put("init_plus_first_ms", Math.round(cold));
    }

    private static Run median(List<Run> runs) {
        List<Run> ok = runs.stream().filter(r -> r.failure() == null || !Double.isNaN(r.initMs())).toList();
        if (ok.isEmpty()) {
            return runs.get(0);
        }
        return new Run(median(ok.stream().mapToDouble(Run::initMs).sorted().toArray()),
                median(ok.stream().mapToDouble(Run::firstMs).sorted().toArray()),
                median(ok.stream().mapToDouble(Run::secondMs).sorted().toArray()), null);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
