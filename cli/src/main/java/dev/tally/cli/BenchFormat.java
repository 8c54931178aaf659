package dev.tally.cli;

import java.util.ArrayList;
import java.util.List;

/** How the {@code tally bench} commands print their figures: one table of two columns, rounded the same way. */
final class BenchFormat {
    private BenchFormat() {
    }

    /** Prints one row: a name and two figures side by side. */
    static void row(String name, double left, double right) {
        System.out.printf("%-34s %14s %14s%n", name, format(left), format(right));
    }

    /** @return {@code 12,345} from 100 up, else two decimals */
    static String format(double v) {
        return v >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
    }

    /** @return {@code v} to two decimals, for the JSON line */
    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /**
     * @param nanos durations in nanoseconds
     * @param p percentile, 1 to 100
     * @return the nearest-rank percentile in milliseconds, 0 for no durations
     */
    static double percentile(List<Long> nanos, int p) {
        if (nanos.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
    }
}
