package dev.tally.stripesync;

import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.LineType;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The merge bridge from the stored invoice to the domain invoice the sync takes. */
class InvoiceItemsTest {

    @Test
    void keepsLineIdsAndAmountsAndTurnsCreditsAppliedIntoOneNegativeCreditLine() {
        InvoiceItem item = new InvoiceItem();
        item.invoiceId = "tin_org_acme_1767225600";
        item.accountId = "org_acme";
        item.subscriptionId = "sub_org_acme";
        item.periodStart = 1_767_225_600L;
        item.periodEnd = 1_769_904_000L;
        item.currency = "usd";
        item.lines = List.of(line(null, InvoiceLineItem.USAGE, "build_minutes", 8_450L),
                line("adjustment:tin_org_acme_1764547200:image_pulls", InvoiceLineItem.ADJUSTMENT, "image_pulls", 750L));
        item.subtotalMinor = 9_200L;
        item.creditsAppliedMinor = 2_345L;
        item.totalMinor = 6_855L;
        item.catalogVersion = "2026-11-01";
        item.createdAt = 1_769_907_660L;

        Invoice invoice = InvoiceItems.toDomain(item);

        assertThat(invoice.status()).isEqualTo(InvoiceStatus.OPEN);
        assertThat(invoice.totalMinor()).isEqualTo(6_855L);
        assertThat(invoice.creditsAppliedMinor()).isEqualTo(2_345L);
        assertThat(invoice.createdAt()).isEqualTo(1_769_907_660L);
        assertThat(invoice.lines()).extracting(InvoiceLine::lineId, InvoiceLine::type, InvoiceLine::amountMinor)
                .containsExactly(
                        tuple("usage:build_minutes", LineType.USAGE, 8_450L),
                        tuple("adjustment:tin_org_acme_1764547200:image_pulls", LineType.ADJUSTMENT, 750L),
                        tuple(InvoiceItems.CREDIT_LINE_ID, LineType.CREDIT, -2_345L));
        assertThat(invoice.lines().getLast().description()).isEqualTo("Prepaid credits applied (23.45 USD)");
        assertThat(invoice.lines().stream().mapToLong(InvoiceLine::amountMinor).sum()).isEqualTo(invoice.totalMinor());
    }

    @Test
    void noCreditsNoCreditLine() {
        InvoiceItem item = new InvoiceItem();
        item.invoiceId = "tin_x_1";
        item.accountId = "x";
        item.currency = "jpy";
        item.lines = List.of(line("usage:build_minutes", InvoiceLineItem.USAGE, "build_minutes", 1_500L));
        item.subtotalMinor = 1_500L;
        item.creditsAppliedMinor = 0L;
        item.totalMinor = 1_500L;

        assertThat(InvoiceItems.toDomain(item).lines()).extracting(InvoiceLine::lineId).containsExactly("usage:build_minutes");
    }

    private static InvoiceLineItem line(String lineId, String type, String meter, long amountMinor) {
        InvoiceLineItem l = new InvoiceLineItem();
        l.lineId = lineId;
        l.type = type;
        l.meter = meter;
        l.quantity = new BigDecimal("10");
        l.amountMinor = amountMinor;
        l.description = meter;
        return l;
    }
}
