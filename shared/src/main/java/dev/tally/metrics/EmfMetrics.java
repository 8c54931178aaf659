package dev.tally.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Adapter of {@link Metrics} for Lambda: CloudWatch embedded metric format (EMF) through Powertools metrics, namespace
 * {@value MetricNames#NAMESPACE}. Values are summed in memory during an invocation and written by {@link #flush()}
 * (the handler calls it once per invocation, see {@link dev.tally.lambda.Invocations}): one EMF document per distinct
 * dimension set, on stdout, which Lambda sends to CloudWatch Logs and CloudWatch turns into metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 *
 * <p>Every value is written twice: under its dimensions (e.g. {@code reason}, {@code meter}) and under no dimension,
 * the metric's total, which the alarms and the dashboard read. No default dimension is added (neither Powertools'
 * {@code Service} nor EMF's {@code LogGroup}/{@code ServiceName}), so a metric is identified by its name and its
 * own dimensions only. Counts have unit {@code Count}; amounts in minor units ({@code *Minor}) have none.
 *
 * <p>Outside Lambda, {@code AWS_EMF_ENVIRONMENT=Local} makes EMF print to stdout instead of looking for a CloudWatch
 * agent on port 25888 (the tests set it). Never throws: a figure that cannot be written is logged and dropped.
 */
public final class EmfMetrics implements Metrics {
    private static final Logger LOG = LoggerFactory.getLogger(EmfMetrics.class);
    private static final int MAX_DIMENSIONS = 9;

    private final software.amazon.lambda.powertools.metrics.Metrics emf;
    private final Map<Map<String, String>, Map<String, LongAdder>> pending = new ConcurrentHashMap<>();

    private EmfMetrics(software.amazon.lambda.powertools.metrics.Metrics emf) {
        this.emf = emf;
    }

    /** @return an adapter over Powertools' metrics instance of this execution environment */
    public static EmfMetrics create() {
        software.amazon.lambda.powertools.metrics.Metrics instance = MetricsFactory.getMetricsInstance();
        instance.setNamespace(MetricNames.NAMESPACE);
        instance.clearDefaultDimensions();
        return new EmfMetrics(instance);
    }

    @Override
    public void add(String name, long value, Map<String, String> dimensions) {
        try {
            if (dimensions.size() > MAX_DIMENSIONS) {
                throw new IllegalArgumentException(dimensions.size() + " dimensions, at most " + MAX_DIMENSIONS);
            }
            record(Map.of(), name, value);
            if (!dimensions.isEmpty()) {
                record(new TreeMap<>(dimensions), name, value);
            }
        } catch (RuntimeException e) {
            LOG.warn("metric {} {} dropped: {}", name, dimensions, e.toString());
        }
    }

    private void record(Map<String, String> dimensions, String name, long value) {
        pending.computeIfAbsent(dimensions, d -> new ConcurrentHashMap<>())
                .computeIfAbsent(name, n -> new LongAdder()).add(value);
    }

    /**
     * Writes what was added since the last flush, one EMF document per dimension set, and forgets it. Nothing is
     * written when nothing was added.
     */
    public void flush() {
        List<Map<String, String>> sets = new ArrayList<>(pending.keySet());
        for (Map<String, String> dimensions : sets) {
            Map<String, LongAdder> values = pending.remove(dimensions);
            if (values == null || values.isEmpty()) {
                continue;
            }
            try {
                emf.flushMetrics(m -> {
                    // The document's only dimension set: EMF's defaults (LogGroup, ServiceName...) are off, and an
                    // empty set, "Dimensions": [[]], is the metric without dimensions.
                    m.setDefaultDimensions(dimensions.isEmpty() ? new DimensionSet() : DimensionSet.of(dimensions));
                    values.forEach((name, sum) -> m.addMetric(name, sum.sum(), unit(name)));
                });
            } catch (RuntimeException e) {
                LOG.warn("metrics {} {} dropped: {}", dimensions, values.keySet(), e.toString());
            }
        }
    }

    private static MetricUnit unit(String name) {
        return name.endsWith("Minor") ? MetricUnit.NONE : MetricUnit.COUNT;
    }
}
