package dev.tally.cli;

import dev.tally.local.LocalRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tally serve}: the whole system in this JVM until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the whole system in one JVM: DynamoDB Local and ElasticMQ embedded, tables and queues from "
                + "template.yaml, the HTTP API, SQS and DynamoDB Streams pollers and the schedules.",
                "Point any AWS client at the printed endpoints (region us-east-1, any credentials)."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    RuntimeOptions options;

    @Override
    public Integer call() throws InterruptedException {
        LocalRuntime runtime = RuntimeFactory.start(options, options.httpPort, options.sqsPort, options.dynamoDbPort, true);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtime.close();
            stopped.countDown();
        }, "tally-shutdown"));
        System.out.println(runtime.describe());
        System.out.println("Stripe webhook signing secret: " + options.webhookSecret);
        System.out.println("Running; Ctrl-C stops.");
        stopped.await();
        return 0;
    }
}
