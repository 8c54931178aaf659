package dev.tally.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.catalog.CatalogException;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Price;
import dev.tally.rating.Rater;
import dev.tally.rating.Rating;
import dev.tally.rating.TierAmount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code tally rate --price FILE --quantity Q [--included Q]}: rates a quantity with one price written in the catalog's
 * price schema ({@code catalog/schema/price.schema.json}; examples in {@code catalog/examples/}), as invoicing does
 * ({@link Rater}), and prints the result as JSON: {@code price_id}, {@code currency}, {@code quantity},
 * {@code included_quantity}, {@code billable_quantity}, {@code amount_minor} (whole minor units, rounded once) and
 * {@code tiers} (per tier: {@code tier}, {@code up_to} (null: unbounded), {@code quantity}, {@code unit_amount},
 * {@code flat_amount}, {@code amount}, unrounded minor units). Needs no running system.
 *
 * <p>Exit codes ({@link Errors}): 0 done; 1 the file cannot be read; 2 invalid usage, an invalid price (every problem,
 * with the file, JSON path and reason) or a negative quantity.
 */
@Command(name = "rate", mixinStandardHelpOptions = true,
        description = {"Rates a quantity with one price (the catalog's price schema) and prints the amount and its tiers as JSON.",
                "Exit code 1 when the file cannot be read, 2 on invalid usage or an invalid price."})
final class RateCommand implements Callable<Integer> {
    /** Decimals as written (never {@code 1E+3}), indented for people. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Option(names = "--price", required = true, paramLabel = "FILE",
            description = "A price in the catalog's price schema (e.g. catalog/examples/stripe-graduated-fonts.json); - reads standard input.")
    String price;

    @Option(names = "--quantity", required = true, paramLabel = "Q", description = "The quantity to rate, a non-negative decimal.")
    BigDecimal quantity;

    @Option(names = "--included", paramLabel = "Q", defaultValue = "0",
            description = "Free quantity subtracted first, as a plan's included_quantity (default: ${DEFAULT-VALUE}).")
    BigDecimal included;

    /** Standard input, for {@code --price -}; replaced in tests. */
    InputStream stdin = System.in;

    @Override
    public Integer call() {
        if (quantity.signum() < 0) {
            throw new ParameterException(spec.commandLine(), "--quantity must not be negative, was " + quantity.toPlainString());
        }
        if (included.signum() < 0) {
            throw new ParameterException(spec.commandLine(), "--included must not be negative, was " + included.toPlainString());
        }
        Price parsed;
        try {
            parsed = CatalogLoader.parsePrice(price, read());
        } catch (CatalogException e) {
            throw new ParameterException(spec.commandLine(), "invalid price: " + e.getMessage());
        }
        Rating rating = Rater.rate(parsed, quantity, included);
        spec.commandLine().getOut().println(json(parsed, rating));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private String read() {
        try {
            if ("-".equals(price)) {
                return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(Path.of(price), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Failure("no price file at " + Path.of(price).toAbsolutePath() + "; pass --price FILE, or - to read standard input", e);
        } catch (IOException e) {
            throw new Failure("cannot read " + ("-".equals(price) ? "standard input" : Path.of(price).toAbsolutePath()) + ": " + e.getMessage(), e);
        }
    }

    private static String json(Price price, Rating rating) {
        ObjectNode out = JSON.createObjectNode()
                .put("price_id", rating.priceId())
                .put("currency", price.currency())
                .put("quantity", plain(rating.quantity()))
                .put("included_quantity", plain(rating.includedQuantity()))
                .put("billable_quantity", plain(rating.billableQuantity()))
                .put("amount_minor", rating.amountMinor());
        ArrayNode tiers = out.putArray("tiers");
        for (TierAmount t : rating.tiers()) {
            ObjectNode tier = tiers.addObject().put("tier", t.tier());
            if (t.upTo() == null) {
                tier.putNull("up_to");
            } else {
                tier.put("up_to", plain(t.upTo()));
            }
            tier.put("quantity", plain(t.quantity()))
                    .put("unit_amount", plain(t.unitAmount()))
                    .put("flat_amount", plain(t.flatAmount()))
                    .put("amount", plain(t.amount()));
        }
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** The value without trailing zeros ({@code 3900.00} prints as {@code 3900}). */
    private static BigDecimal plain(BigDecimal value) {
        return value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    }
}
