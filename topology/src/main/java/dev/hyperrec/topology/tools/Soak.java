package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.LocalApicurioRegistry;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.SchemaSetup;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.demo.DemoData;
import dev.hyperrec.topology.demo.SyntheticData;
import dev.hyperrec.topology.embedded.BrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Soak test: measures the app's maximum sustained throughput (own JVM, broker in its own JVM), then
 * offers half of it for {@code --minutes} and samples the app's live heap (reachable objects, from a class histogram after a full GC), RSS and
 * consumer lag. After a warm-up (the first fifth), heap and RSS must stay within ±10% of their
 * median and lag must stay bounded. Writes JSON and a PNG. Last line:
 * {@code soak: minutes=… rate_eps=… heap_drift_pct=… rss_drift_pct=… max_lag=… final_lag=…}.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the app at half its measured maximum throughput and watches memory and lag.")
public final class Soak implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "30", description = "soak duration (default: ${DEFAULT-VALUE})")
    double minutes;
    @Option(names = "--rate", defaultValue = "0", description = "events/s to offer; 0 = half the measured maximum (default)")
    double rate;
    @Option(names = "--sample-seconds", defaultValue = "15", description = "sampling interval (default: ${DEFAULT-VALUE})")
    int sampleSeconds;
    @Option(names = "--out", defaultValue = "docs/benchmarks", description = "where soak.json and soak.png go (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--users", defaultValue = "10000", description = "users (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--no-progress", description = "no progress bar (on stderr)")
    boolean noProgress;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Soak()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("hyperrec-soak-");
        try (BrokerProcess broker = BrokerProcess.create(dir.resolve("broker"), Map.of());
             LocalApicurioRegistry registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate())) {
            HyperrecConfig c = config(broker, registry.ccompatUrl(), dir);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                TopicSetup.ensure(admin, "soak.", 4, (short) 1);
            }
            try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.fromConfig(c.serdeConfig())) {
                SchemaSetup.ensure(client, c);
            }
            // one long seeded stream: the probe replays its head, the soak streams the rest
            int probeEvents = 60_000;
            DemoData data = SyntheticData.generate(users, 2000, probeEvents, 16, 32, 0.85, 99, "soak");
            Properties pp = dev.hyperrec.topology.Producers.ordered(broker.bootstrapServers());
            pp.put(ProducerConfig.LINGER_MS_CONFIG, "10");
            try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(),
                    AvroSerdes.forClass(CatalogItem.class, c.serdeConfig(), false).serializer())) {
                data.catalog().forEach(i -> p.send(new ProducerRecord<>(c.topic(Topics.CATALOG), i.getItemId(), i)));
            }
            KafkaProducer<String, InteractionEvent> producer = new KafkaProducer<>(pp, new StringSerializer(),
                    AvroSerdes.forClass(InteractionEvent.class, c.serdeConfig(), false).serializer());
            String topic = c.topic(Topics.INTERACTIONS);
            data.events().forEach(e -> producer.send(new ProducerRecord<>(topic, e.getUserId(), e)));
            producer.flush();

            AppProcess app = AppProcess.start(c, dir.resolve("app"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                // probe: how fast does the app drain a backlog?
                long t0 = System.nanoTime();
                long start = -1;
                long startLag = -1;
                while (true) {
                    long lag = lag(admin, c);
                    if (start < 0 && lag >= 0 && lag < probeEvents) {
                        start = System.nanoTime();
                        startLag = lag;
                    }
                    if (lag == 0) {
                        break;
                    }
                    if (System.nanoTime() - t0 > Duration.ofMinutes(15).toNanos()) {
                        throw new IllegalStateException("the probe backlog did not drain in 15 minutes (lag " + lag + ")");
                    }
                    Thread.sleep(500);
                }
                double maxEps = startLag / ((System.nanoTime() - start) / 1e9);
                double offered = rate > 0 ? rate : maxEps / 2;
                System.out.printf(Locale.ROOT, "soak: probe drained %d events at %.0f events/s; offering %.0f events/s for %.1f min%n",
                        startLag, maxEps, offered, minutes);

                List<double[]> samples = new ArrayList<>();
                long soakStart = System.nanoTime();
                long end = soakStart + (long) (minutes * 60e9);
                long nextSample = soakStart;
                long sent = 0;
                long eventTime = data.events().get(data.events().size() - 1).getTimestamp().toEpochMilli();
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
                var bar = Progress.bar("soak", Math.round(minutes * 60), "s", !noProgress);
                try {
                    while (System.nanoTime() < end) {
                        Progress.set(bar, (System.nanoTime() - soakStart) / 1_000_000_000L);
                        long due = soakStart + (long) (sent / offered * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        InteractionEvent e = InteractionEvent.newBuilder(data.events().get((int) (sent % probeEvents)))
                                .setEventId("soak-" + sent).setTimestamp(Instant.ofEpochMilli(eventTime += 1 + rnd.nextInt(50)))
                                .build();
                        producer.send(new ProducerRecord<>(topic, e.getUserId(), e));
                        sent++;
                        if (System.nanoTime() >= nextSample) {
                            nextSample += sampleSeconds * 1_000_000_000L;
                            double t = (System.nanoTime() - soakStart) / 60e9;
                            double heap = liveHeapMb(app.pid());
                            double rss = rssMb(app.pid());
                            long lag = lag(admin, c);
                            samples.add(new double[] {t, heap, rss, lag});
                            System.out.printf(Locale.ROOT, "soak: t=%.1f min heap_live=%.1f MB rss=%.1f MB lag=%d%n", t, heap, rss, lag);
                            if (!app.isAlive()) {
                                throw new IllegalStateException("the app process died");
                            }
                        }
                    }
                } finally {
                    Progress.close(bar);
                }
                producer.close();
                app.stop();
                return report(samples, offered, maxEps);
            } finally {
                app.kill();
            }
        }
    }

    private int report(List<double[]> samples, double offered, double maxEps) throws IOException {
        int warm = samples.size() / 5;
        List<double[]> steady = samples.subList(warm, samples.size());
        double heapDrift = drift(steady, 1);
        double rssDrift = drift(steady, 2);
        long maxLag = (long) steady.stream().mapToDouble(s -> s[3]).max().orElse(-1);
        long finalLag = (long) samples.get(samples.size() - 1)[3];
        Files.createDirectories(out);
        StringBuilder json = new StringBuilder("{\"minutes\": " + minutes + ", \"max_eps\": " + Math.round(maxEps)
                + ", \"offered_eps\": " + Math.round(offered) + ", \"heap_drift_pct\": " + round(heapDrift)
                + ", \"rss_drift_pct\": " + round(rssDrift) + ", \"max_lag\": " + maxLag + ", \"final_lag\": " + finalLag
                + ", \"warmup_samples\": " + warm + ", \"samples\": [");
        for (int i = 0; i < samples.size(); i++) {
            double[] s = samples.get(i);
            json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                    "{\"t_min\": %.2f, \"heap_live_mb\": %.1f, \"rss_mb\": %.1f, \"lag\": %d}", s[0], s[1], s[2], (long) s[3]));
        }
        Files.writeString(out.resolve("soak.json"), json.append("]}\n").toString());
        XYChart chart = new XYChartBuilder().width(900).height(500).title(String.format(Locale.ROOT,
                "hyperrec soak: %.0f events/s for %.0f min (heap drift %.1f%%, RSS drift %.1f%%, max lag %d)",
                offered, minutes, heapDrift, rssDrift, maxLag)).xAxisTitle("minutes").yAxisTitle("MB / events").build();
        double[] t = samples.stream().mapToDouble(s -> s[0]).toArray();
        chart.addSeries("live heap (MB)", t, samples.stream().mapToDouble(s -> s[1]).toArray());
        chart.addSeries("RSS (MB)", t, samples.stream().mapToDouble(s -> s[2]).toArray());
        chart.addSeries("consumer lag (events)", t, samples.stream().mapToDouble(s -> s[3]).toArray());
        BitmapEncoder.saveBitmap(chart, out.resolve("soak.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        System.out.printf(Locale.ROOT, "soak: minutes=%.1f rate_eps=%.0f heap_drift_pct=%.1f rss_drift_pct=%.1f max_lag=%d final_lag=%d%n",
                minutes, offered, heapDrift, rssDrift, maxLag, finalLag);
        return heapDrift <= 10 && rssDrift <= 10 ? 0 : 1;
    }

    /** Largest deviation from the median, in percent of the median. */
    static double drift(List<double[]> samples, int column) {
        double[] v = samples.stream().mapToDouble(s -> s[column]).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        double median = v[v.length / 2];
        return Math.max(median - v[0], v[v.length - 1] - median) / median * 100;
    }

    private static double round(double d) {
        return Math.round(d * 10) / 10.0;
    }

    private static HyperrecConfig config(BrokerProcess broker, String url, Path dir) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", broker.bootstrapServers());
        m.put("schema.registry.url", url);
        m.put("application.id", "hyperrec-soak");
        m.put("state.dir", dir.resolve("state").toString());
        m.put(HyperrecConfig.TOPIC_PREFIX, "soak.");
        m.put(HyperrecConfig.EMBEDDING_DIM, 32);
        m.put(HyperrecConfig.BACKEND, "cpu");
        return HyperrecConfig.of(m);
    }

    /** Events of the input topic the app's group has not committed yet. */
    private static long lag(Admin admin, HyperrecConfig c) {
        try {
            String topic = c.topic(Topics.INTERACTIONS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(c.get("application.id"))
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 4; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata o = committed.get(e.getKey());
                lag += e.getValue().offset() - (o == null ? 0 : o.offset());
            }
            return lag;
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Live heap of a JVM: the bytes of reachable objects, from one {@code jcmd GC.class_histogram}
     * (a full GC, then a census of the live objects; its "Total" line). An earlier version ran
     * {@code GC.run} and then read {@code GC.heap_info}'s "used", which also counted what the app
     * allocated between the two jcmd attaches (a few hundred ms at hundreds of events/s): the spikes
     * of the first soak run were that, not retained memory.
     */
    static double liveHeapMb(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        return histogramTotalMb(run(jcmd, Long.toString(pid), "GC.class_histogram"));
    }

    /** The live bytes of a class histogram's "Total" line, in MB (NaN when absent). */
    static double histogramTotalMb(String histogram) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$").matcher(histogram);
        return m.find() ? Long.parseLong(m.group(1)) / (1024.0 * 1024.0) : Double.NaN;
    }

    static double rssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return s;
    }
}
