package dev.tally.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The small rules of what the CLI prints and accepts: counts and units, progress lines, endpoints, the default template. */
class CliTextTest {

    @Test
    void countsAndUnitsArePluralisedExceptForExactlyOne() {
        assertThat(Words.count(0, "message")).isEqualTo("0 messages");
        assertThat(Words.count(1, "message")).isEqualTo("1 message");
        assertThat(Words.count(2, "invoice job")).isEqualTo("2 invoice jobs");
        assertThat(Words.quantity(new BigDecimal("1"), "minute")).isEqualTo("1 minute");
        assertThat(Words.quantity(new BigDecimal("1.0"), "minute")).isEqualTo("1.0 minute");
        assertThat(Words.quantity(new BigDecimal("1234.5"), "GB-hour")).isEqualTo("1234.5 GB-hours");
        assertThat(Words.quantity(new BigDecimal("0"), "pull")).isEqualTo("0 pulls");
        assertThat(Words.quantity(new BigDecimal("7"), null)).isEqualTo("7");
    }

    @Test
    void creditsAppliedPrintNegativeInTheCurrencysMinorDigits() {
        assertThat(InvoiceTableCommand.creditsApplied(2_345L, "usd")).isEqualTo("-23.45 USD");
        assertThat(InvoiceTableCommand.creditsApplied(0L, "jpy")).isEqualTo("0 JPY");
        assertThat(InvoiceTableCommand.creditsApplied(null, "usd")).isNull();
    }

    @Test
    void progressShowsOnATerminalOutsideCiAndClearsItsLine() {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        Progress terminal = Progress.on(new PrintStream(shown, true, StandardCharsets.UTF_8), Map.of("TERM", "xterm"), true);
        String line = "usage: 10 of 20 messages sent";
        terminal.show(line);
        terminal.done();
        assertThat(shown.toString(StandardCharsets.UTF_8)).isEqualTo("\r" + line + "\r" + " ".repeat(line.length()) + "\r");

        for (Progress quiet : new Progress[]{
                Progress.on(new PrintStream(shown), Map.of("CI", "true"), true),
                Progress.on(new PrintStream(shown), Map.of(), false),
                Progress.on(new PrintStream(shown), Map.of("TERM", "dumb"), true)}) {
            assertThat(quiet.enabled()).isFalse();
        }
        assertThat(Progress.on(new PrintStream(shown), Map.of("CI", "false"), true).enabled()).isTrue();
    }

    @Test
    void endpointsAreHttpUrlsWithAHost() {
        EndpointConverter converter = new EndpointConverter();
        assertThat(converter.convert("http://localhost:8000")).isEqualTo(URI.create("http://localhost:8000"));
        assertThat(converter.convert("https://dynamodb.eu-west-1.amazonaws.com")).hasHost("dynamodb.eu-west-1.amazonaws.com");
        assertThatThrownBy(() -> converter.convert("localhost:8000")).isInstanceOf(TypeConversionException.class)
                .hasMessage("'localhost:8000' is not an http(s) URL with a host; write it like http://localhost:8000");
        assertThatThrownBy(() -> converter.convert("ftp://host/x")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> converter.convert("http://exa mple")).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void theDefaultTemplateIsTheRepositorysWhileGivenPathsAreTheCallers() {
        String before = System.getProperty(RuntimeOptions.HOME_PROPERTY);
        try {
            System.setProperty(RuntimeOptions.HOME_PROPERTY, "/opt/tally");
            assertThat(new RuntimeOptions().template).isEqualTo(Path.of("/opt/tally/template.yaml"));
            System.clearProperty(RuntimeOptions.HOME_PROPERTY);
            assertThat(new RuntimeOptions().template).isEqualTo(Path.of("template.yaml"));
        } finally {
            if (before != null) {
                System.setProperty(RuntimeOptions.HOME_PROPERTY, before);
            }
        }
        // The launcher runs the program in the caller's directory and passes the repository as tally.home.
        assertThat(CliTestSupport.repoRoot().resolve("tally")).content()
                .contains("cd \"$caller\"", "-Dtally.home=\"$root\"");
    }
}
