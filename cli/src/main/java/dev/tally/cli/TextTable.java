package dev.tally.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for people: a header row, then rows, columns padded to their widest cell and separated by two
 * spaces; numeric columns right-aligned. Cells are printed as given ({@code null} as {@code -}).
 */
final class TextTable {
    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();
    private boolean printHeader = true;

    /**
     * @param headers column titles; a title starting with {@code >} is right-aligned (the {@code >} is not printed)
     */
    TextTable(String... headers) {
        this.headers = new String[headers.length];
        this.rightAligned = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            rightAligned[i] = headers[i].startsWith(">");
            this.headers[i] = rightAligned[i] ? headers[i].substring(1) : headers[i];
        }
    }

    /**
     * Prints rows only: the headers then only set the number of columns and their alignment.
     *
     * @return this table
     */
    TextTable withoutHeader() {
        printHeader = false;
        return this;
    }

    /**
     * @param cells one per column
     * @return this table
     * @throws IllegalArgumentException when the number of cells differs from the number of columns
     */
    TextTable row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "-" : cells[i].toString();
        }
        rows.add(row);
        return this;
    }

    /** @return number of rows, header excluded */
    int size() {
        return rows.size();
    }

    /**
     * @param out where to print
     * @param indent prefix of every line
     */
    void print(PrintWriter out, String indent) {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            widths[i] = printHeader ? headers[i].length() : 0;
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        if (printHeader) {
            printRow(out, indent, headers, widths);
        }
        for (String[] row : rows) {
            printRow(out, indent, row, widths);
        }
    }

    private void printRow(PrintWriter out, String indent, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            line.append(rightAligned[i] ? pad + cells[i] : i == cells.length - 1 ? cells[i] : cells[i] + pad);
        }
        out.println(line);
    }
}
