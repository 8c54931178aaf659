package dev.tally.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Typed view of an {@code AWS::Events::EventBus}. Nothing is emulated for it locally; only its name is resolved
 * (for {@code Ref} and {@code Fn::GetAtt [Bus, Name|Arn]}).
 *
 * @param logicalId the resource's logical id
 * @param name the unresolved {@code Name} property (a literal or an intrinsic such as {@code Fn::Sub}); empty when
 *     absent, in which case the logical id is the name
 */
public record EventBusResource(String logicalId, Optional<JsonNode> name) {
}
