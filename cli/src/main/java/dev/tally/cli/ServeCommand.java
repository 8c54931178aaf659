package dev.tally.cli;

import dev.tally.local.LocalRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tally serve}: the whole system in this JVM until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the whole system in one JVM: DynamoDB Local and ElasticMQ embedded, tables and queues from "
                + "template.yaml, the HTTP API, SQS and DynamoDB Streams pollers and the schedules (on a clock that "
                + "`tally clock advance` moves forward).",
                "Point any AWS client at the printed endpoints (region us-east-1, any credentials, e.g. "
                        + "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local).",
                "Exit code 1 when it cannot start (port in use, template missing or invalid)."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions options;

    @Override
    public Integer call() throws InterruptedException {
        options.check(spec);
        LocalRuntime runtime = RuntimeFactory.start(options, true);
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
