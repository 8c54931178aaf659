package dev.tally.local.template;

import java.util.Optional;

/**
 * One entry of the template's {@code Parameters} section.
 *
 * @param name the parameter's logical name
 * @param type the CloudFormation type, e.g. {@code String} or {@code Number} (not enforced locally)
 * @param defaultValue the {@code Default}, rendered as text ({@code 3600} for a number); empty when absent
 */
public record TemplateParameter(String name, String type, Optional<String> defaultValue) {
}
