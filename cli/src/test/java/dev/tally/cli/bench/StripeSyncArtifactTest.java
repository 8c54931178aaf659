package dev.tally.cli.bench;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * stripe-sync's minimized artifact still links the Stripe path it ships for: the bench runs stripe-sync in record
 * mode, so this builds each request the sync sends (search, list, retrieve, create and finalize invoices; list and
 * create invoice items) with the jar alone on the class path, against an API base nobody listens on. A missing class
 * shows as a {@link LinkageError}; the expected outcome is a connection failure reported as Tally's
 * {@code StripeFailure}.
 */
class StripeSyncArtifactTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

    private static final String PROBE = """
            import com.stripe.StripeClient;
            import dev.tally.stripesync.StripeApiGateway;
            import java.util.Map;

            public class Probe {
                public static void main(String[] args) {
                    StripeApiGateway g = new StripeApiGateway(StripeClient.builder().setApiKey("sk_test_probe")
                            .setApiBase("http://127.0.0.1:9").setMaxNetworkRetries(0).build());
                    Runnable[] calls = {
                        () -> g.findInvoices("tin_x", "cus_x", 0),
                        () -> g.retrieveInvoice("in_x"),
                        () -> g.createInvoice("cus_x", "usd", "probe", Map.of("k", "v"), "probe-1"),
                        () -> g.listItems("in_x"),
                        () -> g.createInvoiceItem("cus_x", "in_x", 100, "usd", "probe", Map.of(), "probe-2"),
                        () -> g.finalizeInvoice("in_x", "probe-3") };
                    for (Runnable call : calls) {
                        try {
                            call.run();
                            System.out.println("UNEXPECTED success");
                        } catch (LinkageError e) {
                            System.out.println("LINKAGE " + e);
                        } catch (RuntimeException e) {
                            System.out.println("CALL FAILED " + e.getClass().getSimpleName());
                        }
                    }
                }
            }
            """;

    @Test
    void theInvoiceRequestsLinkInTheShippedJar() throws Exception {
        Path jar = ROOT.resolve("functions/stripe-sync/target/stripe-sync.jar");
        assumeTrue(Files.isRegularFile(jar), "stripe-sync.jar is not built");
        Path dir = ROOT.resolve("cli/target/stripe-sync-probe");
        Files.createDirectories(dir);
        Path source = dir.resolve("Probe.java");
        Files.writeString(source, PROBE);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", jar.toString(), source.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(out).as(out).doesNotContain("LINKAGE").doesNotContain("UNEXPECTED");
        assertThat(out.lines().filter(l -> l.startsWith("CALL FAILED StripeFailure"))).as(out).hasSize(6);
    }
}
