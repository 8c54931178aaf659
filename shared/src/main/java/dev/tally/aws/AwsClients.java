package dev.tally.aws;

import dev.tally.config.Env;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.util.Locale;

/**
 * Builds AWS SDK v2 clients the way a Lambda function should: once per execution environment, with an explicit
 * region ({@code AWS_REGION}), an explicit credentials provider and one shared light HTTP client
 * ({@link UrlConnectionHttpClient}), so nothing is discovered at cold start.
 *
 * <p>Credentials: where Lambda offers its container credentials endpoint ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI},
 * always set for SnapStart functions), {@link ContainerCredentialsProvider}, which fetches the role's credentials when
 * first asked and refreshes them before they expire, so a snapshot restored hours later still signs with fresh keys
 * (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html). Otherwise the role's keys from the
 * environment variables ({@link EnvironmentVariableCredentialsProvider}).
 *
 * <p>A service endpoint can be overridden by {@code AWS_ENDPOINT_URL_<SERVICE>} (e.g.
 * {@code AWS_ENDPOINT_URL_DYNAMODB}), the names the AWS SDKs use; the local runtime sets them. With
 * {@code TALLY_LOCAL=true} the credentials come from the given variables instead of the process environment.
 */
public final class AwsClients {

    private static final SdkHttpClient HTTP = UrlConnectionHttpClient.create();
    /** Set by Lambda where the container credentials endpoint serves the role's credentials (SnapStart: always). */
    static final String CONTAINER_CREDENTIALS_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

    private AwsClients() {
    }

    /**
     * Applies region, credentials, HTTP client and endpoint override to a client builder.
     *
     * <pre>{@code DynamoDbClient ddb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();}</pre>
     *
     * @param builder a service client builder
     * @param env the function's configuration
     * @param service service name as in {@code AWS_ENDPOINT_URL_<SERVICE>}, e.g. {@code "DYNAMODB"}, {@code "SQS"}
     * @return the same builder, configured
     * @throws IllegalStateException if {@code AWS_REGION} is not set
     */
    public static <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> B configure(
            B builder, Env env, String service) {
        builder.region(Region.of(env.require("AWS_REGION")))
                .credentialsProvider(credentials(env))
                .httpClient(HTTP);
        env.optional("AWS_ENDPOINT_URL_" + service.toUpperCase(Locale.ROOT))
                .ifPresent(url -> builder.endpointOverride(URI.create(url)));
        return builder;
    }

    /**
     * @param env the function's configuration
     * @return the credentials provider a client built from {@code env} uses: static dummy keys locally, the container
     *     provider where Lambda offers it (SnapStart), else the environment's keys
     */
    public static AwsCredentialsProvider credentials(Env env) {
        if (env.local()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    env.optional("AWS_ACCESS_KEY_ID").orElse("local"),
                    env.optional("AWS_SECRET_ACCESS_KEY").orElse("local")));
        }
        if (env.optional(CONTAINER_CREDENTIALS_URI).isPresent()) {
            return ContainerCredentialsProvider.builder().build();
        }
        return EnvironmentVariableCredentialsProvider.create();
    }
}
