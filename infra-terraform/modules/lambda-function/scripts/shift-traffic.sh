#!/usr/bin/env bash
# Moves a Lambda alias to a new version through CodeDeploy (the deployment group's canary or linear configuration,
# rolled back automatically on its alarms) and waits for the outcome. Called by terraform on apply
# (terraform_data.shift_traffic) and usable by hand: docs/runbooks/deploy.md.
#
# Environment: APPLICATION, DEPLOYMENT_GROUP, FUNCTION_NAME, ALIAS_NAME, TARGET_VERSION, AWS_REGION.
set -euo pipefail
: "${APPLICATION:?}" "${DEPLOYMENT_GROUP:?}" "${FUNCTION_NAME:?}" "${ALIAS_NAME:?}" "${TARGET_VERSION:?}"

current=$(aws lambda get-alias --function-name "$FUNCTION_NAME" --name "$ALIAS_NAME" \
  --query FunctionVersion --output text)
if [[ "$current" == "$TARGET_VERSION" ]]; then
  echo "$FUNCTION_NAME:$ALIAS_NAME already points at version $TARGET_VERSION"
  exit 0
fi

appspec=$(printf '{"version":0.0,"Resources":[{"%s":{"Type":"AWS::Lambda::Function","Properties":{"Name":"%s","Alias":"%s","CurrentVersion":"%s","TargetVersion":"%s"}}}]}' \
  "$FUNCTION_NAME" "$FUNCTION_NAME" "$ALIAS_NAME" "$current" "$TARGET_VERSION")
revision=$(jq -cn --arg content "$appspec" '{revisionType: "AppSpecContent", appSpecContent: {content: $content}}')

id=$(aws deploy create-deployment --application-name "$APPLICATION" --deployment-group-name "$DEPLOYMENT_GROUP" \
  --revision "$revision" --description "$FUNCTION_NAME $current -> $TARGET_VERSION" \
  --query deploymentId --output text)
echo "$FUNCTION_NAME:$ALIAS_NAME $current -> $TARGET_VERSION: CodeDeploy deployment $id"
if ! aws deploy wait deployment-successful --deployment-id "$id"; then
  aws deploy get-deployment --deployment-id "$id" \
    --query 'deploymentInfo.[status, errorInformation.code, errorInformation.message, rollbackInfo.rollbackMessage]' \
    --output text >&2
  exit 1
fi
echo "$FUNCTION_NAME:$ALIAS_NAME now serves version $TARGET_VERSION"
