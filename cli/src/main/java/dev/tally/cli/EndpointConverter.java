package dev.tally.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Reads an endpoint option ({@code --dynamodb-endpoint}, {@code --sqs-endpoint}, {@code --http-endpoint}): an
 * absolute {@code http} or {@code https} URL with a host, e.g. {@code http://localhost:8000}. Anything else is invalid
 * usage (exit code 2) with a message saying how to write it, e.g. {@code localhost:8000} (no scheme).
 */
final class EndpointConverter implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new TypeConversionException("'" + value + "' is not a URL (" + e.getReason() + "); write it like "
                    + "http://localhost:8000");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new TypeConversionException("'" + value + "' is not an http(s) URL with a host; write it like "
                    + "http://" + (uri.getHost() == null && !value.contains("://") ? value : "localhost:8000"));
        }
        return uri;
    }
}
