package dev.hyperrec.topology.tools;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.EventContext;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.SocialSetting;
import dev.hyperrec.schemas.AvroSerdes;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.Producers;
import dev.hyperrec.topology.SchemaSetup;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.TopicSetup;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.demo.DemoData;
import dev.hyperrec.topology.demo.SyntheticData;
import dev.hyperrec.topology.embedded.BrokerProcess;
import dev.hyperrec.topology.engine.EventWeights;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole-pipeline benchmark of issue 7 (item 1): events in → recommendations out, against the
 * best the same broker and Kafka Streams do on the same machine and input.
 *
 * <ol>
 *   <li>A broker in its own JVM on loopback ({@link BrokerProcess}); one seeded input of N events over
 *       U users (Zipf-skewed activity, {@link ZipfSampler}) and a catalog of items with planted
 *       clusters, serialized once (Avro, Confluent wire format) and pre-loaded into the interactions
 *       topic.</li>
 *   <li>(a) The ceiling: a passthrough Kafka Streams topology (byte-array Serdes) with the app's own
 *       Streams properties (exactly_once_v2, commit interval, one stream thread) copies the
 *       pre-loaded events to an output topic of the same partition count; events/s = events / (time
 *       from the instance reaching RUNNING until a read_committed consumer has seen them all). Run
 *       {@code --ceiling-runs} times (a fresh application id each), the best run is the ceiling (runs get faster
 *       as the JITs of this JVM and the broker's warm up). It drains the N events repeated to at least
 *       {@code --ceiling-events}, so that its rate is sustained, not its start-up.</li>
 *   <li>(b) The app ({@link HyperrecApp#launch}, in this JVM, the configured backend) drains the same
 *       pre-loaded events; events/s = N / (time from RUNNING until the read_committed consumer has seen
 *       the list of every triggering event).</li>
 *   <li>(c) The same running app is then offered new events at fixed rates, each for
 *       {@code --rate-seconds}; latency = from the producer's {@code send} of a triggering event to
 *       the arrival of its list at the read_committed consumer (both clocks in this JVM), as
 *       {@code PipelineRun} measures it. Each phase waits until its lists have arrived before the next
 *       begins.</li>
 *   <li>(d) With {@code --instances M} (M &gt; 1), after (c): M app instances in this JVM (one application
 *       id, each its own state directory) form a group on topics of their own, then are sent the N events
 *       of (b) and drain them; then one instance does the same ({@link #scaleDrain}); JSON key
 *       {@code scale_out}.</li>
 * </ol>
 *
 * <p>Writes {@code pipeline-<backend>.json} and {@code .png} under {@code --out}. Last line:
 * {@code pipeline: ceiling_eps=<a> hyperrec_eps=<b> ratio=<b/a> p99_ms_at_20k=<x> backend=<…>}, followed by
 * {@code  instances=<M> scale_out_eps=<d>} when M &gt; 1.
 * Time from {@code start()} to RUNNING (rebalance, the global catalog's restore) is recorded apart
 * ({@code *_incl_startup}); the headline rates exclude it, since it does not scale with N.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Events in -> recommendations out vs a passthrough Kafka Streams app on the same broker and input (issue 7).")
public final class PipelineBench implements Callable<Integer> {
    static final String PREFIX = "bench.";
    static final String EVENT_ID_PREFIX = "pb-";
    /** {@code recommendationId} of a list an interaction triggered: {@code evt:<eventId>} (RecommenderEngine). */
    static final byte[] LIST_ID_PREFIX = ("evt:" + EVENT_ID_PREFIX).getBytes(StandardCharsets.US_ASCII);
    private static final String[] DEVICES = {"mobile", "desktop", "tv"};

    @Spec
    CommandSpec spec;
    @Option(names = "--events", defaultValue = "40000", description = "N: pre-loaded events; (b) drains them, (a) drains them repeated (default: ${DEFAULT-VALUE})")
    int events;
    @Option(names = "--users", defaultValue = "10000", description = "U: users (default: ${DEFAULT-VALUE})")
    int users;
    @Option(names = "--user-zipf", defaultValue = "1.0", description = "Zipf exponent of user activity; 0 = uniform (default: ${DEFAULT-VALUE})")
    double userZipf;
    @Option(names = "--items", defaultValue = "10000", description = "catalog items (default: ${DEFAULT-VALUE})")
    int items;
    @Option(names = "--dim", defaultValue = "64", description = "embedding dimension (default: ${DEFAULT-VALUE})")
    int dim;
    @Option(names = "--clusters", defaultValue = "16", description = "planted taste clusters (default: ${DEFAULT-VALUE})")
    int clusters;
    @Option(names = "--partitions", defaultValue = "4", description = "partitions of the input and output topics (default: ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--rates", split = ",", defaultValue = "250,1000,5000,20000",
            description = "offered events/s of the latency phases (default: ${DEFAULT-VALUE})")
    double[] rates;
    @Option(names = "--rate-seconds", defaultValue = "2", description = "how long each rate is offered (default: ${DEFAULT-VALUE})")
    double rateSeconds;
    @Option(names = "--ceiling-events", defaultValue = "1000000",
            description = "events the passthrough drains: the N events repeated until at least this many, so that its rate is a"
                    + " sustained one and not its start-up (default: ${DEFAULT-VALUE})")
    int ceilingEvents;
    @Option(names = "--ceiling-runs", defaultValue = "5",
            description = "passthrough runs, each with a fresh application id; the best is the ceiling (default: ${DEFAULT-VALUE})")
    int ceilingRuns;
    @Option(names = "--backend", defaultValue = "cpu", description = "operator backend: cpu, cuda, auto (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--seed", defaultValue = "7", description = "seed of the input (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--timeout-seconds", defaultValue = "1800", description = "limit of each drain and each phase's wait (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;
    @Option(names = "--model-catch-up-seconds", defaultValue = "120",
            description = "after the rate phases, wait up to this long for the item-to-item model to aggregate its backlog and report its rate (0: do not wait; default: ${DEFAULT-VALUE})")
    int modelCatchUpSeconds;
    @Option(names = "--jfr", description = "record the app's drain (b) with JFR (Java and native samples every 10 ms) and summarise its stream thread's profile")
    boolean jfr;
    @Option(names = "--jfr-phases", description = "record the rate phases with JFR (as --jfr does the drain), summarise the"
            + " stream threads' samples and waits into the JSON's latency section, and keep the recording as"
            + " pipeline-<backend>.jfr next to it")
    boolean jfrPhases;
    @Option(names = "--profile-phases", description = "profile the rate phases' CPU with async-profiler: every thread of this"
            + " JVM sampled by its own CPU time, Java and native frames alike (the CUDA driver, RocksDB, the kernel), summarised"
            + " per thread group and for the stream threads into the JSON's latency section, with"
            + " pipeline-<backend>-phases.collapsed.gz and .html (a flame graph) next to it")
    boolean profilePhases;
    @Option(names = "--profile-drain", description = "the same for the drain (b), from RUNNING until its last list: into the"
            + " JSON's hyperrec section, with pipeline-<backend>-drain.collapsed.gz and .html")
    boolean profileDrain;
    @Option(names = "--out", defaultValue = "docs/benchmarks", description = "where pipeline-<backend>.json/.png go (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--work-dir", description = "broker and state directories (default: a temp dir, removed after a run that"
            + " succeeded: a run at 1M users leaves gigabytes there)")
    Path workDir;
    @Option(names = "--keep-work-dir", description = "keep the temp work dir after a run that succeeded too")
    boolean keepWorkDir;
    @Option(names = "--no-progress", description = "no progress bars (on stderr)")
    boolean noProgress;
    @Option(names = "--warmup-events", defaultValue = "0",
            description = "before (b), the app drains this many other events (own topics, application id and state) in"
                    + " this JVM, so that (b) runs on JIT-compiled code as the best passthrough run does (default: ${DEFAULT-VALUE})")
    int warmupEvents;
    @Option(names = "--threads", defaultValue = "1",
            description = "stream threads of each Streams instance, the passthrough's and hyperrec's (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--instances", defaultValue = "1",
            description = "M > 1 adds a scale-out drain after (c): M app instances in this JVM (one application id, each its own"
                    + " state directory) form a group on topics of their own and are then sent the N events; then one instance"
                    + " does the same, for the comparison (default: ${DEFAULT-VALUE})")
    int instances;
    @Option(names = "--devices", defaultValue = "1",
            description = "with --instances, CUDA devices to spread the scale-out instances over: instance i opens its backend"
                    + " on device i mod D (hyperrec.cuda.device); 1 leaves every instance on the JVM's device (default: ${DEFAULT-VALUE})")
    int devices;
    @Option(names = "--settle-model",
            description = "after the drain (b), wait up to --model-catch-up-seconds for the item-to-item model to catch up"
                    + " before the rate phases (c), which then start on an app in its steady state")
    boolean settleModel;
    @Option(names = "--model-process",
            description = "run the item-to-item model's instance of (b) and of the warm-up in a JVM of its own (hyperrec.role=model,"
                    + " log and config under the work dir), the lists' instance in this one (hyperrec.role=lists), as a"
                    + " deployment that runs the model on other machines or at a lower priority does")
    boolean modelProcess;
    @Option(names = "--model-nice", defaultValue = "0",
            description = "with --model-process, the model's JVM runs under nice -n N (default: ${DEFAULT-VALUE})")
    int modelNice;
    @Option(names = "--model-heap", defaultValue = "4g",
            description = "with --model-process, the model's JVM's -Xmx (default: ${DEFAULT-VALUE})")
    String modelHeap;
    @Option(names = "--set", description = "an app config key=value (repeatable), e.g. hyperrec.batch.max.events=2048")
    Map<String, String> overrides = new HashMap<>();
    @Option(names = "--broker-set", description = "a broker config key=value (repeatable), written to its server.properties,"
            + " e.g. add.partitions.to.txn.retry.backoff.ms=1")
    Map<String, String> brokerOverrides = new HashMap<>();

    public static void main(String[] args) {
        // a later option wins, so that scripts can add flags over their own defaults (GPU_PIPELINE_EXTRA)
        System.exit(new CommandLine(new PipelineBench()).setOverwrittenOptionsAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("hyperrec-pipeline-bench-");
        log("work dir %s; %d events over %d users (zipf %.2f), catalog %d x %d, %d partitions, backend %s", dir, events,
                users, userZipf, items, dim, partitions, backend);
        String line;
        boolean succeeded = false;
        try (BrokerProcess broker = BrokerProcess.create(dir.resolve("broker"), Map.copyOf(brokerOverrides))) {
            HyperrecConfig c = config(broker.bootstrapServers(), dir);
            List<String> ceilingTopics = new ArrayList<>();
            try (Admin admin = Admin.create(c.adminConfig())) {
                TopicSetup.ensure(admin, PREFIX, partitions, (short) 1);
                List<NewTopic> outs = new ArrayList<>();
                outs.add(new NewTopic(PREFIX + "ceiling-in", partitions, (short) 1));
                for (int r = 1; r <= ceilingRuns; r++) {
                    ceilingTopics.add(PREFIX + "ceiling-out-" + r);
                    outs.add(new NewTopic(PREFIX + "ceiling-out-" + r, partitions, (short) 1));
                }
                admin.createTopics(outs).all().get();
                awaitLeaders(admin, outs.stream().map(NewTopic::name).toList());
                // the warm-up's and scale-out drains' topics now, not just before their catalogs are sent: a producer's
                // first batches to a partition the broker had only just taken up were seen to loop on
                // OUT_OF_ORDER_SEQUENCE_NUMBER until they expired (2,132 of 10,000 catalog items lost, once)
                if (warmupEvents > 0) {
                    TopicSetup.ensure(admin, PREFIX + "warm.", partitions, (short) 1);
                }
                if (instances > 1) {
                    TopicSetup.ensure(admin, scalePrefix(instances), partitions, (short) 1);
                    TopicSetup.ensure(admin, scalePrefix(1), partitions, (short) 1);
                }
            }
            try (SchemaRegistryClient registry = SchemaRegistryClient.fromConfig(c.serdeConfig())) {
                SchemaSetup.ensure(registry, c);
            }
            Serde<InteractionEvent> eventSerde = AvroSerdes.forClass(InteractionEvent.class, c.serdeConfig(), false);
            long tGen = System.nanoTime();
            int[] phaseEvents = new int[rates.length];
            for (int i = 0; i < rates.length; i++) {
                phaseEvents[i] = (int) Math.round(rates[i] * rateSeconds);
            }
            Input in = Input.generate(events, phaseEvents, users, userZipf, items, dim, clusters, seed,
                    eventSerde.serializer(), c.topic(Topics.INTERACTIONS));
            log("generated and serialized %d events (%d pre-loaded, %d triggering) in %.1f s", in.total(), events,
                    in.triggering(0, events), (System.nanoTime() - tGen) / 1e9);
            publishCatalog(c, in.catalog());
            double preloadEps = preload(c.topic(Topics.INTERACTIONS), 1, c, in);
            log("pre-loaded %d events into %s at %.0f events/s", events, c.topic(Topics.INTERACTIONS), preloadEps);
            int repeats = (int) Math.max(1, (ceilingEvents + (long) events - 1) / events);
            long ceilingN = (long) repeats * events;
            preload(PREFIX + "ceiling-in", repeats, c, in);
            log("pre-loaded the same %d events %d times (%d) into %sceiling-in", events, repeats, ceilingN, PREFIX);

            List<Drain> ceilings = new ArrayList<>();
            for (int r = 1; r <= ceilingRuns; r++) {
                Drain d = passthrough(c, r, ceilingTopics.get(r - 1), ceilingN, dir);
                ceilings.add(d);
                log("ceiling run %d: %.0f events/s (%.0f incl. startup; RUNNING after %.2f s)", r, d.eps(), d.epsInclStartup(),
                        d.startupSeconds());
            }
            if (warmupEvents > 0) {
                double eps = warmUp(c, dir, eventSerde);
                log("warm-up drain: %d other events at %.0f events/s", warmupEvents, eps);
            }
            AppRun app = hyperrec(c, in);
            Object published = app.stages().get("lists_published");
            log("hyperrec drain: %.0f events/s (%.0f incl. startup; RUNNING after %.2f s; %d triggering events%s)", app.drain().eps(),
                    app.drain().epsInclStartup(), app.drain().startupSeconds(), app.drain().outputs(),
                    published == null || ((Number) published).longValue() == app.drain().outputs() ? " with a list each"
                            : ", covered by " + published + " lists (hyperrec.recs.coalesce)");
            ScaleOut scale = null;
            if (instances > 1) {
                // M instances first, then 1: the one-instance drain then runs on the warmer JIT, which errs against scale-out
                ScaleRun many = scaleDrain(c, in, dir, instances);
                ScaleRun one = scaleDrain(c, in, dir, 1);
                scale = new ScaleOut(one, many);
                log("scale-out: %d instances %.0f events/s, one instance %.0f events/s (ratio %.2f)", instances,
                        many.drain().eps(), one.drain().eps(), many.drain().eps() / one.drain().eps());
            }
            line = report(c, in, preloadEps, repeats, ceilings, app, scale);
            succeeded = true;
        } finally {
            removeWorkDir(dir, workDir == null && !keepWorkDir, succeeded);
        }
        // after the broker is down: nothing the shutdown logs can follow it on stdout
        System.out.println(line);
        return 0;
    }

    /**
     * Removes the temp work dir (the broker's log, every instance's state) once the broker is down: a run at 1M users on the
     * GPU machine left about 3.7 GB there (its disk's use rose from 29 to 40 GB over three runs), so a 64 GiB disk fills
     * in about seventeen runs on one machine. A dir given with {@code --work-dir}, or asked for with {@code --keep-work-dir}
     * ({@code removable} false), stays; so does the dir of a failed run, for its logs.
     *
     * @return whether it was removed
     */
    static boolean removeWorkDir(Path dir, boolean removable, boolean succeeded) {
        if (!removable) {
            return false;
        }
        if (!succeeded) {
            log("work dir %s kept: the run failed", dir);
            return false;
        }
        try {
            org.apache.kafka.common.utils.Utils.delete(dir.toFile());
            return true;
        } catch (IOException e) {
            log("work dir %s not removed: %s", dir, e);
            return false;
        }
    }

    private void validate() {
        requireAtLeast("--events", events, 1);
        requireAtLeast("--users", users, 1);
        requireAtLeast("--clusters", clusters, 1);
        requireAtLeast("--items", items, clusters);
        requireAtLeast("--dim", dim, 1);
        requireAtLeast("--partitions", partitions, 1);
        requireAtLeast("--ceiling-runs", ceilingRuns, 1);
        requireAtLeast("--threads", threads, 1);
        requireAtLeast("--instances", instances, 1);
        requireAtLeast("--devices", devices, 1);
        if (modelProcess && instances > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model-process runs (b)'s model apart; the"
                    + " scale-out drain (--instances) keeps it in its instances: give one or the other");
        }
        if (modelNice < -20 || modelNice > 19) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model-nice must be in [-20, 19], was " + modelNice);
        }
        if (!(userZipf >= 0) || !(rateSeconds > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--user-zipf must be >= 0 and --rate-seconds > 0; got "
                    + userZipf + " and " + rateSeconds);
        }
        long total = events;
        for (double r : rates) {
            if (!(r > 0)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--rates must be > 0, got " + r);
            }
            total += Math.round(r * rateSeconds);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new CommandLine.ParameterException(spec.commandLine(), "events plus rate phases come to " + total
                    + ", more than " + (Integer.MAX_VALUE - 8));
        }
    }

    private void requireAtLeast(String name, long value, long min) {
        if (value < min) {
            throw new CommandLine.ParameterException(spec.commandLine(), name + " must be >= " + min + ", was " + value);
        }
    }

    /** With {@code --model-process} (and the model in an instance of its own): the model's JVM, started; else null. */
    private ModelProcess startModelProcess(HyperrecConfig c, String name) {
        if (!modelProcess || !c.modelInOwnApp()) {
            return null;
        }
        return ModelProcess.start(c, Path.of(c.get(StreamsConfig.STATE_DIR_CONFIG)).resolveSibling(name), modelNice, modelHeap,
                Duration.ofSeconds(120));
    }

    /**
     * Launches the app this JVM runs: the lists only when {@code --model-process} runs the model apart ({@code model},
     * started, which is stopped if the launch fails), else the whole app.
     */
    private HyperrecApp.Running launch(HyperrecConfig c, ModelProcess model) throws IOException {
        try {
            return HyperrecApp.launch(model != null ? c.with(HyperrecConfig.ROLE, "lists") : c);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            throw e;
        }
    }

    /** Closes the app, then the model's JVM (if any), even when closing the app fails. */
    private static void close(HyperrecApp.Running app, ModelProcess model) {
        try {
            app.close();
        } finally {
            if (model != null) {
                model.close();
            }
        }
    }

    private HyperrecConfig config(String bootstrap, Path dir) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", bootstrap);
        // in-process registry: the app runs in this JVM, and a registry's own JVM would compete for the two cores;
        // the Serdes cache schema ids, so the wire format and the per-record work are those of a real registry
        m.put("schema.registry.url", "mock://pipeline-bench-" + ProcessHandle.current().pid());
        m.put("application.id", "pipeline-bench-hyperrec");
        m.put("state.dir", dir.resolve("state").toString());
        m.put(HyperrecConfig.TOPIC_PREFIX, PREFIX);
        m.put(HyperrecConfig.TOPICS_PARTITIONS, partitions);
        m.put(HyperrecConfig.EMBEDDING_DIM, dim);
        m.put(HyperrecConfig.BACKEND, backend);
        m.put(HyperrecConfig.METRICS_PORT, -1);
        m.put(HyperrecConfig.CATALOG_INITIAL_CAPACITY, Math.max(16384, items));
        m.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        m.putAll(overrides);
        return HyperrecConfig.of(m);
    }

    // ---------------------------------------------------------------- input

    /**
     * The seeded input, serialized once: {@code values[i]} is event i in the wire format, {@code keys[i]}
     * its userId (UTF-8, shared per user). Events {@code [0, preloaded)} are the pre-loaded backlog; then
     * one range per rate phase. Event i has id {@code pb-<i>}; its list (if it triggers one) has id
     * {@code evt:pb-<i>}.
     */
    record Input(List<CatalogItem> catalog, byte[][] keys, byte[][] values, BitSet triggers, int[] previousTrigger,
            int preloaded, int[] phaseStart, int[] phaseEvents) {

        int total() {
            return values.length;
        }

        int triggering(int from, int to) {
            return triggers.get(from, to).cardinality();
        }

        static Input generate(int preloaded, int[] phaseEvents, int users, double userZipf, int items, int dim, int clusters,
                long seed, Serializer<InteractionEvent> serializer, String topic) {
            int total = preloaded;
            int[] phaseStart = new int[phaseEvents.length];
            for (int i = 0; i < phaseEvents.length; i++) {
                phaseStart[i] = total;
                total += phaseEvents[i];
            }
            Synthetic in = Synthetic.generate(total, users, userZipf, items, dim, clusters, seed);
            byte[][] userKeys = new byte[users][];
            byte[][] keys = new byte[total][];
            byte[][] values = new byte[total][];
            BitSet triggers = new BitSet(total);
            int[] previousTrigger = new int[total];
            int[] lastTrigger = new int[users];
            Arrays.fill(lastTrigger, -1);
            for (int e = 0; e < total; e++) {
                InteractionEvent ev = in.events().get(e);
                int u = in.users()[e];
                if (userKeys[u] == null) {
                    userKeys[u] = ev.getUserId().getBytes(StandardCharsets.UTF_8);
                }
                keys[e] = userKeys[u];
                values[e] = serializer.serialize(topic, ev);
                previousTrigger[e] = -1;
                if (EventWeights.triggers(ev.getType())) {
                    triggers.set(e);
                    previousTrigger[e] = lastTrigger[u];
                    lastTrigger[u] = e;
                }
            }
            return new Input(in.catalog(), keys, values, triggers, previousTrigger, preloaded, phaseStart, phaseEvents);
        }
    }

    /**
     * The seeded synthetic events of this benchmark and of {@link EngineBench}: the catalog and each user's taste
     * cluster from the demo's generator; user activity Zipf({@code userZipf}) over {@code users}; an item of the
     * user's cluster with probability 0.85 (Zipf(0.8) popularity within the cluster), else uniform; views, clicks,
     * ratings and purchases 25/40/25/10%. Event i has id {@code pb-<i>}; {@code users[i]} is its user's number.
     */
    record Synthetic(List<CatalogItem> catalog, List<InteractionEvent> events, int[] users) {
        static Synthetic generate(int total, int users, double userZipf, int items, int dim, int clusters, long seed) {
            DemoData base = SyntheticData.generate(users, items, 1, clusters, dim, 0.85, seed, "pb");
            List<List<String>> pools = new ArrayList<>();
            for (int k = 0; k < clusters; k++) {
                pools.add(new ArrayList<>());
            }
            for (CatalogItem item : base.catalog()) {
                pools.get(base.clusterOf().get(item.getItemId())).add(item.getItemId());
            }
            Map<Integer, ZipfSampler> poolSamplers = new HashMap<>();
            for (List<String> pool : pools) {
                poolSamplers.computeIfAbsent(pool.size(), n -> new ZipfSampler(n, 0.8));
            }
            ZipfSampler activity = new ZipfSampler(users, userZipf);
            List<InteractionEvent> events = new ArrayList<>(total);
            int[] userOf = new int[total];
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 1);
            long t = Instant.parse("2024-06-01T00:00:00Z").toEpochMilli();
            for (int e = 0; e < total; e++) {
                int u = activity.sample(rnd);
                String userId = "user-" + u;
                int c = base.userCluster().get(userId);
                String itemId;
                boolean inCluster = rnd.nextDouble() < 0.85;
                if (inCluster) {
                    List<String> pool = pools.get(c);
                    itemId = pool.get(poolSamplers.get(pool.size()).sample(rnd));
                } else {
                    itemId = "item-" + rnd.nextInt(items);
                    inCluster = base.clusterOf().get(itemId) == c;
                }
                double p = rnd.nextDouble();
                InteractionType type = p < 0.25 ? InteractionType.VIEW : p < 0.65 ? InteractionType.CLICK
                        : p < 0.9 ? InteractionType.RATING : InteractionType.PURCHASE;
                float value = type == InteractionType.RATING
                        ? (inCluster ? 4f : 1f) + (float) rnd.nextInt(3) * 0.5f : 1f;
                t += rnd.nextInt(3);
                EventContext ctx = EventContext.newBuilder().setDevice(DEVICES[u % DEVICES.length])
                        .setSessionId("s-" + u).setSocial(u % 4 == 0 ? SocialSetting.GROUP : SocialSetting.SOLO).build();
                events.add(InteractionEvent.newBuilder().setEventId(EVENT_ID_PREFIX + e).setUserId(userId)
                        .setItemId(itemId).setType(type).setValue(value).setTimestamp(Instant.ofEpochMilli(t)).setContext(ctx)
                        .setRecommendationId(null).build());
                userOf[e] = u;
            }
            return new Synthetic(base.catalog(), events, userOf);
        }
    }

    private static void publishCatalog(HyperrecConfig c, List<CatalogItem> catalog) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.get("bootstrap.servers"));
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        Producers.SendFailures failures = new Producers.SendFailures();
        try (KafkaProducer<String, CatalogItem> p = new KafkaProducer<>(pp, new StringSerializer(),
                AvroSerdes.forClass(CatalogItem.class, c.serdeConfig(), false).serializer())) {
            catalog.forEach(i -> p.send(new ProducerRecord<>(c.topic(Topics.CATALOG), i.getItemId(), i), failures));
            p.flush();
        }
        failures.check(c.topic(Topics.CATALOG));
    }

    /** Counts failed sends and keeps the first error, so that a lost record fails the run instead of skewing it. */
    /** Sends events [0, N) {@code repeats} times to {@code topic} as fast as the producer goes; returns events/s. */
    private double preload(String topic, int repeats, HyperrecConfig c, Input in) throws InterruptedException {
        Properties pp = producerProps(c);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        pp.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        long t0 = System.nanoTime();
        long total = (long) repeats * in.preloaded();
        var bar = Progress.bar("pre-load " + topic, total, "events", !noProgress);
        Producers.SendFailures failures = new Producers.SendFailures();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            long sent = 0;
            for (int r = 0; r < repeats; r++) {
                for (int i = 0; i < in.preloaded(); i++, sent++) {
                    p.send(new ProducerRecord<>(topic, in.keys()[i], in.values()[i]), failures);
                    if ((sent & 4095) == 0) {
                        Progress.set(bar, sent);
                    }
                }
            }
            p.flush();
        } finally {
            Progress.close(bar);
        }
        failures.check(topic);
        return total / ((System.nanoTime() - t0) / 1e9);
    }

    private static Properties producerProps(HyperrecConfig c) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.get("bootstrap.servers"));
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return pp;
    }

    // ---------------------------------------------------------------- (a) the ceiling

    /**
     * One drain: when the instance was started, reached RUNNING and the consumer saw the last expected
     * output (all System.nanoTime), the outputs, and the CPU time spent meanwhile.
     */
    record Drain(long events, long outputs, long startNs, long runningNs, long doneNs, double jvmCpuS, double brokerCpuS,
            double streamThreadCpuS, List<double[]> progress, long duplicates, Map<String, Double> jvmThreadsCpuS,
            Map<String, Object> host) {

        double seconds() {
            return (doneNs - runningNs) / 1e9;
        }

        double startupSeconds() {
            return (runningNs - startNs) / 1e9;
        }

        double eps() {
            return throughput(events, runningNs, doneNs);
        }

        double epsInclStartup() {
            return throughput(events, startNs, doneNs);
        }
    }

    private Drain passthrough(HyperrecConfig c, int run, String outTopic, long n, Path dir) throws Exception {
        Properties p = c.streamsProperties();
        String appId = "pipeline-bench-ceiling-" + run;
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("ceiling-state-" + run).toString());
        StreamsBuilder b = new StreamsBuilder();
        b.stream(PREFIX + "ceiling-in", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(outTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        try (OutputReader reader = new OutputReader(c.get("bootstrap.servers"), outTopic, null)) {
            reader.target(n);
            Map<String, double[]> threadsBefore = threadCpu();
            Cpu before = Cpu.now();
            long start = System.nanoTime();
            KafkaStreams streams = new KafkaStreams(b.build(), p);
            try {
                streams.start();
                long running = awaitRunning(streams, Duration.ofSeconds(120));
                List<double[]> progress = new ArrayList<>();
                Map<String, Object> host;
                long done;
                try (HostCpu window = HostCpu.start(hostProcesses(null))) {
                    done = await(reader, n, running, progress, "ceiling " + run);
                    host = window.stop(n);
                }
                logHost("passthrough run " + run, host);
                Cpu after = Cpu.now();
                double thread = streamThreadCpuSeconds(appId);
                return new Drain(n, reader.count(), start, running, done, after.jvmS() - before.jvmS(),
                        after.brokerS() - before.brokerS(), thread, progress, reader.duplicates(),
                        threadCpuDelta(threadsBefore, threadCpu()), host);
            } finally {
                HyperrecApp.stop(streams, Duration.ofSeconds(60));
            }
        }
    }

    // ---------------------------------------------------------------- (b) and (c): the app

    /** One rate phase of (c). */
    /**
     * One rate phase. {@code built*Ms}: send() → the list's {@code generatedAt} (in the app: transfer, the wait in the
     * open batch, the flush); {@code visible*Ms}: {@code generatedAt} → the read_committed consumer has it (the wait
     * for the transaction's commit, the commit, the fetch); both on the wall clock in whole milliseconds, of the lists
     * that arrived. {@code appMs}: the app's own histograms over the phase ({@link #APP_TIMERS}: the record's timestamp →
     * its acceptance by its task, acceptance → its flush's start, the record's timestamp → its list's creation), each
     * {p50, p99} in ms, bucket upper bounds, of every event the app handled during the phase.
     */
    record Phase(double offeredEps, int events, int lists, double sentEps, double sendSeconds, int arrived, long duplicates,
            double p50Ms, double p99Ms, double maxMs, double outputEps, double handledEps, double drainAfterSendS,
            boolean censored, double builtP50Ms, double builtP99Ms, double visibleP50Ms, double visibleP99Ms,
            Map<String, double[]> appMs, Map<String, Double> commits, Map<String, Object> host, Map<String, Object> threads) {
    }

    record AppRun(Drain drain, String backendName, Map<String, Object> stages, Map<String, Object> profile, List<Phase> phases,
            Map<String, Object> model, Map<String, Object> phasesProfile, Map<String, Object> phasesCpuProfile,
            Map<String, Object> drainCpuProfile) {
    }

    /**
     * How far the item-to-item aggregation is behind its input when the drain (b) ends and after the last rate phase:
     * records of {@code item-cooccurrence} not yet committed by the group that aggregates them (the model's own instance,
     * or the app's), of all that were written. Null without the model.
     */
    /** The aggregating group's id (the model's instance, or the app's when the model runs in it). */
    private static String modelGroup(HyperrecConfig c) {
        return (c.modelInOwnApp() ? c.modelStreamsProperties() : c.streamsProperties()).getProperty("application.id");
    }

    /**
     * {item-cooccurrence end offsets, of them not yet committed by the aggregating group, end offsets of the
     * counts' changelog}, each summed over partitions (transaction markers included).
     */
    static long[] modelOffsets(Admin admin, HyperrecConfig c) throws Exception {
        String group = modelGroup(c);
        String topic = c.topic(Topics.ITEM_COOCCURRENCE);
        var ends = endOffsets(admin, topic);
        var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long end = 0;
        long behind = 0;
        for (var e : ends.entrySet()) {
            var off = committed.get(e.getKey());
            end += e.getValue();
            behind += Math.max(0, e.getValue() - (off == null ? 0 : off.offset()));
        }
        // what the counts store wrote for them: one changelog record per changed chunk and per changed occurrence
        // count at each checkpoint (one per pair increment before the checkpointed chunks)
        long written = 0;
        for (long o : endOffsets(admin, group + "-" + StoreNames.COOCCURRENCE_COUNTS + "-changelog").values()) {
            written += o;
        }
        return new long[] {end, behind, written};
    }

    /**
     * The end offsets of every changelog topic of the app (and of the model's instance), summed over partitions, and
     * per drained event: the state writes a drain cost, store by store. Each offset is a record the stream thread
     * wrote to RocksDB and sent to the broker, except one commit marker per partition and transaction.
     */
    private static Map<String, Object> changelogOffsets(HyperrecConfig c, int events) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> topics = new LinkedHashMap<>();
        String app = c.get("application.id");
        for (var b : dev.hyperrec.topology.HyperrecTopology.batchingStores(c)) {
            topics.put(b.name(), app + "-" + b.name() + "-changelog");
        }
        if (c.neighboursEnabled()) {
            String model = modelGroup(c);
            for (String store : dev.hyperrec.topology.HyperrecTopology.MODEL_STORES) {
                topics.put(store, model + "-" + store + "-changelog");
            }
            String progress = dev.hyperrec.topology.HyperrecTopology.MODEL_PROGRESS_STORE;
            topics.put(progress, model + "-" + progress + "-changelog");
        }
        try (Admin admin = Admin.create(c.adminConfig())) {
            Set<String> existing = admin.listTopics().names().get();
            Map<String, Long> bytes = logBytes(admin);
            long total = 0;
            long totalBytes = 0;
            for (var t : topics.entrySet()) {
                if (!existing.contains(t.getValue())) {
                    continue;
                }
                long sum = 0;
                for (long o : endOffsets(admin, t.getValue()).values()) {
                    sum += o;
                }
                total += sum;
                long b = bytes.getOrDefault(t.getValue(), 0L);
                totalBytes += b;
                out.put(t.getKey(), Map.of("offsets", sum, "per_event", round((double) sum / events, 2), "bytes", b,
                        "bytes_per_event", round((double) b / events, 1)));
            }
            out.put("total", Map.of("offsets", total, "per_event", round((double) total / events, 2), "bytes", totalBytes,
                    "bytes_per_event", round((double) totalBytes / events, 1)));
            StringBuilder line = new StringBuilder();
            out.forEach((k, v) -> line.append(line.length() == 0 ? "" : ", ").append(k).append(' ')
                    .append(((Map<?, ?>) v).get("per_event")));
            log("changelog records per drained event: %s", line);
            StringBuilder bline = new StringBuilder();
            out.forEach((k, v) -> bline.append(bline.length() == 0 ? "" : ", ").append(k).append(' ')
                    .append(((Map<?, ?>) v).get("bytes_per_event")));
            log("changelog bytes per drained event: %s", bline);
            out.put("note", "end offsets of the changelog topics after the drain of " + events + " events (commit markers"
                    + " included), and their size on the broker's disk (log segments, before any compaction)");
        } catch (Exception e) {
            out.put("error", String.valueOf(e));
        }
        return out;
    }

    /** Bytes on the brokers' disks per topic (every replica's log segments summed), from {@code describeLogDirs}. */
    private static Map<String, Long> logBytes(Admin admin) throws Exception {
        List<Integer> brokers = new ArrayList<>();
        admin.describeCluster().nodes().get().forEach(n -> brokers.add(n.id()));
        Map<String, Long> out = new HashMap<>();
        admin.describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs -> dirs.values().forEach(
                dir -> dir.replicaInfos().forEach((tp, info) -> out.merge(tp.topic(), info.size(), Long::sum))));
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> specs = new LinkedHashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(pi -> specs.put(new TopicPartition(topic, pi.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        admin.listOffsets(specs).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static Map<String, Object> modelLag(HyperrecConfig c, String when, Map<String, Object> into) {
        if (!c.neighboursEnabled()) {
            return into;
        }
        String group = modelGroup(c);
        try (Admin admin = Admin.create(c.adminConfig())) {
            long[] o = modelOffsets(admin, c);
            into.put("group", group);
            into.put(when + "_cooccurrence_offsets", o[0]);
            into.put(when + "_uncommitted_by_model", o[1]);
            into.put(when + "_counts_changelog_offsets", o[2]);
            log("item-to-item model (%s) %s: %d of %d item-cooccurrence offsets not yet committed; %d offsets in the counts' changelog",
                    group, when.replace('_', ' '), o[1], o[0], o[2]);
        } catch (Exception e) {
            into.put(when + "_error", String.valueOf(e));
        }
        return into;
    }

    /**
     * Waits up to {@code --model-catch-up-seconds} (no input arriving) for the aggregating group to commit
     * everything on {@code item-cooccurrence}, and records how fast it went: the records it committed over
     * the wait, and the counts' changelog records written meanwhile per record (the pair increments a record
     * carries). The rate has the model's commit interval as its granularity.
     */
    private void modelCatchUp(HyperrecConfig c, Map<String, Object> into) {
        modelCatchUp(c, into, "catch_up", "after the rate phases");
    }

    /** {@link #modelCatchUp(HyperrecConfig, Map)} with the figures under {@code key}_… and {@code when} in the log line. */
    private void modelCatchUp(HyperrecConfig c, Map<String, Object> into, String key, String when) {
        if (!c.neighboursEnabled() || modelCatchUpSeconds <= 0) {
            return;
        }
        try (Admin admin = Admin.create(c.adminConfig())) {
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(modelCatchUpSeconds);
            long[] first = modelOffsets(admin, c);
            long[] last = first;
            // the offsets left at each poll: whether the model's commits come steadily or in a few large steps
            List<List<Number>> left = new ArrayList<>();
            left.add(List.of(0.0, first[1]));
            while (last[1] > 0 && System.nanoTime() < deadline) {
                // its figures are late by at most this polling plus the model group's commit interval
                Thread.sleep(100);
                last = modelOffsets(admin, c);
                if (last[1] != left.get(left.size() - 1).get(1).longValue()) {
                    left.add(List.of(round((System.nanoTime() - t0) / 1e9, 2), last[1]));
                }
            }
            into.put(key + "_offsets_left", left);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long records = (last[0] - last[1]) - (first[0] - first[1]);
            long writes = last[2] - first[2];
            into.put(key + "_seconds", round(seconds, 2));
            into.put(key.equals("catch_up") ? "caught_up" : key + "_caught_up", last[1] == 0);
            into.put(key + "_records", records);
            into.put(key + "_records_per_s", round(records / Math.max(seconds, 1e-9), 1));
            into.put(key + "_changelog_writes_per_record", records == 0 ? 0.0 : round((double) writes / records, 2));
            log("item-to-item model: %s %d item-cooccurrence records in %.1f s %s (%.0f records/s, %.1f count"
                    + " writes a record)%s", last[1] == 0 ? "caught up," : "still behind after", records, seconds, when,
                    records / Math.max(seconds, 1e-9), records == 0 ? 0.0 : (double) writes / records,
                    last[1] == 0 ? "" : "; " + last[1] + " offsets left");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            into.put(key + "_error", String.valueOf(e));
        }
    }

    private AppRun hyperrec(HyperrecConfig c, Input in) throws Exception {
        long[] sentAt = new long[in.total()];
        long[] sentAtMs = new long[in.total()];
        try (OutputReader reader = OutputReader.forLists(c, in)) {
            int expected = in.triggering(0, in.preloaded());
            reader.target(expected);
            Path jfrFile = jfr ? Files.createTempFile("pipeline-bench-", ".jfr") : null;
            // JfrProfile is loaded only with --jfr: a runtime without the jdk.jfr module runs everything else
            JfrProfile recording = jfr ? JfrProfile.start(jfrFile) : null;
            Map<String, double[]> threadsBefore = threadCpu();
            ModelProcess modelJvm = startModelProcess(c, "model-process");
            Cpu before = Cpu.now(modelJvm == null ? -1 : modelJvm.pid());
            double modelCpuBefore = modelJvm == null ? 0 : modelJvm.cpuSeconds();
            long start = System.nanoTime();
            HyperrecApp.Running app = launch(c, modelJvm);
            try {
                long running = awaitRunning(app.streams(), Duration.ofSeconds(120));
                CpuProfile drainCpu = profileDrain ? startCpuProfile("the drain") : null;
                Map<String, Double> stagesBefore = stages(app.registry());
                Map<String, Map<String, Double>> loopsBefore = streamThreadLoops(app.streams());
                Map<String, Double> drainCommitsBefore = commitTotals(app.streams());
                List<double[]> progress = new ArrayList<>();
                Map<String, Object> host;
                long done;
                try (HostCpu window = HostCpu.start(hostProcesses(modelJvm))) {
                    done = await(reader, expected, running, progress, "hyperrec");
                    host = window.stop(in.preloaded());
                }
                logHost("hyperrec drain", host);
                Map<String, Object> drainCpuProfile = drainCpu == null ? null
                        : stopCpuProfile(drainCpu, app.runtime().backend().name() + "-drain", "the drain", c);
                Map<String, Map<String, Double>> loopsAfter = streamThreadLoops(app.streams());
                Map<String, Double> drainCommitsAfter = commitTotals(app.streams());
                Cpu after = Cpu.now(modelJvm == null ? -1 : modelJvm.pid());
                Map<String, Double> threads = threadCpuDelta(threadsBefore, threadCpu());
                double thread = streamThreadCpuSeconds(c.get("application.id"));
                Map<String, Double> stagesAfter = stages(app.registry());
                Map<String, Object> profile = null;
                if (recording != null) {
                    profile = recording.stopAndSummarise(c.get("application.id")); // writes jfrFile
                    log("JFR recording of the drain: %s", jfrFile);
                }
                Drain drain = new Drain(in.preloaded(), reader.count(), start, running, done, after.jvmS() - before.jvmS(),
                        after.brokerS() - before.brokerS(), thread, progress, reader.duplicates(), threads, host);
                Map<String, Object> model = modelLag(c, "at_drain_end", new LinkedHashMap<>());
                double modelCpuAtDrainEnd = modelJvm == null ? 0 : modelJvm.cpuSeconds();
                Map<String, Object> modelJvmFigures = new LinkedHashMap<>();
                if (modelJvm != null) {
                    modelJvmFigures.putAll(Map.of("pid", modelJvm.pid(), "nice", modelNice, "heap", modelHeap,
                            "cpu_s_drain", round(modelCpuAtDrainEnd - modelCpuBefore, 2)));
                    model.put("process", modelJvmFigures);
                    log("model process %d: %.1f CPU-seconds over the drain", modelJvm.pid(), modelCpuAtDrainEnd - modelCpuBefore);
                }
                Map<String, Object> stages = new LinkedHashMap<>();
                stagesAfter.forEach((k, v) -> stages.put(k, round(v - stagesBefore.getOrDefault(k, 0.0), 4)));
                stages.put("changelog_offsets_at_drain_end", changelogOffsets(c, in.preloaded()));
                stages.put("lists_published", reader.records());
                stages.put("stream_threads_cpu_s", streamThreadsCpuSeconds(c.get("application.id")));
                // the model's instance in this JVM (empty when it runs in its own JVM or is off)
                String modelAppId = modelAppId(c);
                stages.put("model_stream_threads_cpu_s", streamThreadsCpuSeconds(modelAppId));
                List<Map<String, Object>> loops = streamThreadLoopsDelta(loopsBefore, loopsAfter, (done - running) / 1e9);
                stages.put("stream_threads_loop", loops);
                Map<String, Double> blocked = blockedOnKafka(loops, drainCommitsBefore, drainCommitsAfter, (done - running) / 1e9);
                stages.put("blocked_on_kafka", blocked);
                log("the lists' stream threads over the drain: blocked on Kafka %.2f s in all, of which their producers' flushes and"
                        + " transaction calls %.2f s (%d commits), the rest (the consumer's polls, waits for buffer memory"
                        + " or metadata) %.2f s", blocked.get("blocked_s"), blocked.get("producer_txn_s"),
                        blocked.get("commits").longValue(), blocked.get("rest_s"));
                double modelCpuAtPhasesStart = modelCpuAtDrainEnd;
                if (settleModel) {
                    // the phases then measure an app in its steady state, not one whose model still works off the drain
                    // --profile-drain also profiles this catch-up: what bounds the model once the lists are idle
                    CpuProfile catchUpCpu = profileDrain ? startCpuProfile("the model's catch-up") : null;
                    modelCatchUp(c, model, "settle", "after the drain, before the rate phases");
                    if (catchUpCpu != null) {
                        model.put("settle_cpu_profile", stopCpuProfile(catchUpCpu, app.runtime().backend().name()
                                + "-catchup", "the model's catch-up after the drain", c));
                    }
                    modelCpuAtPhasesStart = modelJvm == null ? 0 : modelJvm.cpuSeconds();
                    if (Boolean.TRUE.equals(model.get("settle_caught_up"))) {
                        // the lists' drain counts the lists only; a model that deferred its work (under nice) pays it
                        // here, so this is what both parts sustain together (late by at most the polling, 0.1 s, and
                        // the model group's commit interval)
                        double eps = throughput(in.preloaded(), running, System.nanoTime());
                        model.put("drain_with_model_eps", round(eps, 1));
                        model.put("stream_threads_cpu_s_caught_up", streamThreadsCpuSeconds(modelAppId));
                        log("drain with the model caught up: %.0f events/s (RUNNING -> the model's group has committed the"
                                + " drain's increments)", eps);
                    }
                }
                List<Phase> phases = new ArrayList<>();
                Properties pp = producerProps(c);
                pp.put(ProducerConfig.LINGER_MS_CONFIG, "2");
                Path phasesJfr = jfrPhases ? Files.createTempFile("pipeline-bench-phases-", ".jfr") : null;
                JfrProfile phasesRecording = jfrPhases ? JfrProfile.start(phasesJfr) : null;
                Map<String, Object> phasesProfile = null;
                CpuProfile cpuProfile = profilePhases ? startCpuProfile("the rate phases") : null;
                Map<String, Object> phasesCpuProfile = null;
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (int i = 0; i < rates.length; i++) {
                        Phase ph = phase(c, in, i, producer, reader, sentAt, sentAtMs, app.registry(), app.streams(), modelJvm);
                        phases.add(ph);
                        log("offered %.0f events/s for %.1f s (sent at %.0f/s): %d %s, p50 %.1f ms, p99 %.1f ms%s;"
                                + " handled %.0f events/s until the last list; built p50/p99 %.0f/%.0f ms, then visible"
                                + " p50/p99 %.0f/%.0f ms; in the app p50/p99: queued %s, in the batch %s, a flush %s; %s;"
                                + " the machine %s busy, %s CPU us an event", ph.offeredEps(),
                                ph.sendSeconds(), ph.sentEps(), ph.arrived(),
                                reader.coalescing() ? "triggering events covered by lists" : "lists", ph.p50Ms(), ph.p99Ms(),
                                ph.censored() ? " (censored: not all lists arrived)" : "", ph.handledEps(), ph.builtP50Ms(),
                                ph.builtP99Ms(), ph.visibleP50Ms(), ph.visibleP99Ms(), pair(ph.appMs().get("queued")),
                                pair(ph.appMs().get("in_batch")), pairMax(ph.appMs().get("flush")), commitLine(ph.commits()),
                                ph.host().get("busy_share"), machineUsPerEvent(ph.host()));
                        log("offered %.0f events/s, this JVM's CPU seconds: %s", ph.offeredEps(), ph.threads());
                    }
                }
                if (cpuProfile != null) {
                    phasesCpuProfile = stopCpuProfile(cpuProfile, app.runtime().backend().name() + "-phases", "the rate phases", c);
                }
                if (phasesRecording != null) {
                    phasesProfile = phasesRecording.stopAndSummarise(c.get("application.id"));
                    Files.createDirectories(out);
                    Path kept = out.resolve("pipeline-" + app.runtime().backend().name() + ".jfr");
                    Files.move(phasesJfr, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    log("JFR recording of the rate phases: %s; the stream threads' longest waits by site: %s", kept,
                            phasesProfile.get("waits_top"));
                    if (modelJvm == null) {
                        // the model's instance in this JVM: its stream threads' samples from the same recording
                        Map<String, Object> modelProfile = JfrProfile.profile(kept, modelAppId(c));
                        phasesProfile.put("model_instance", modelProfile);
                        log("the model's stream threads in the rate phases (JFR): %s Java samples, own lines %s",
                                modelProfile.get("samples_java"), modelProfile.get("own_lines_top"));
                    }
                }
                modelLag(c, "after_rate_phases", model);
                if (modelJvm != null) {
                    modelJvmFigures.put("cpu_s_phases", round(modelJvm.cpuSeconds() - modelCpuAtPhasesStart, 2));
                }
                modelCatchUp(c, model);
                if (!model.isEmpty()) {
                    model.put("definition", "records of item-cooccurrence (transaction markers included) past the offsets the"
                            + " aggregating group has committed: how far the co-occurrence counts, and so the published neighbour"
                            + " lists, are behind the lists' instance");
                }
                return new AppRun(drain, app.runtime().backend().name(), stages, profile, phases, model.isEmpty() ? null : model,
                        phasesProfile, phasesCpuProfile, drainCpuProfile);
            } finally {
                close(app, modelJvm);
            }
        }
    }

    /**
     * The parts of the stream threads' work whose cost {@code --profile-drain}/{@code --profile-phases} report wherever they
     * are called from (the share of a set's samples with the frame on the stack): docs/benchmarks.md, "Session 29".
     */
    static final Map<String, String> PROFILE_MARKERS = markers(
            "engine_apply", "RecommenderEngine.apply", "ranking", "RecommenderEngine.rank",
            "write_back", "BatchingProcessor.writeBack", "rocksdb", "org/rocksdb/", "memtable_insert", "rocksdb::MemTable::Add",
            "changelog_sends", "ChangeLoggingKeyValueBytesStore.log", "producer_sends", "KafkaProducer.send",
            "consumer_poll", "KafkaConsumer.poll", "cuda_driver", "jcuda/", "cuda_stream_waits", "cuStreamSynchronize",
            "model_publish", "NeighbourAggregator.publish", "model_checkpoint", "NeighbourAggregator.checkpoint",
            "cpp_exception_unwinding", "_Unwind_RaiseException", "page_faults", "exc_page_fault", "metrics", "PipelineMetrics");

    private static Map<String, String> markers(String... labelThenFrame) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < labelThenFrame.length; i += 2) {
            m.put(labelThenFrame[i], labelThenFrame[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** {@code --profile-drain}/{@code --profile-phases}: starts async-profiler, or logs why it could not and goes on without. */
    private static CpuProfile startCpuProfile(String what) {
        try {
            CpuProfile p = CpuProfile.start();
            log("async-profiler: sampling every thread's CPU time (event %s, every %d us of a thread's CPU) over %s",
                    p.event(), CpuProfile.INTERVAL_NS / 1000, what);
            return p;
        } catch (RuntimeException | LinkageError e) {
            log("async-profiler did not start, %s runs without a CPU profile: %s", what, e);
            return null;
        }
    }

    /**
     * Stops a {@code --profile-drain} or {@code --profile-phases} profiler, keeps its stacks next to the JSON as
     * {@code pipeline-<suffix>.*} and summarises them: by thread group, and for the lists' and the model's stream threads of
     * this JVM.
     */
    private Map<String, Object> stopCpuProfile(CpuProfile p, String suffix, String what, HyperrecConfig c) throws IOException {
        String name = "pipeline-" + suffix;
        String collapsed = p.stop(out, name);
        String lists = c.get("application.id");
        String model = modelAppId(c);
        Map<String, java.util.function.Predicate<String>> sets = new LinkedHashMap<>();
        sets.put("lists_stream_threads", t -> isStreamThreadOf(t, lists));
        sets.put("model_stream_threads", t -> isStreamThreadOf(t, model));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", p.event());
        m.put("interval_us", CpuProfile.INTERVAL_NS / 1000);
        m.put("files", List.of(name + ".collapsed.gz", name + ".html"));
        m.put("definition", "async-profiler's samples of every thread of this JVM over " + what + ", one per "
                + CpuProfile.INTERVAL_NS / 1000 + " us of a thread's CPU time (event " + p.event() + "), Java and native frames"
                + " alike; by_thread_group: thread names with ids and numbers replaced; per set of threads, self_top: the leaf"
                + " frames, inclusive_top: frames on the stack (each counted once a sample), markers: the share of the set's samples"
                + " with a frame containing each of PipelineBench.PROFILE_MARKERS on the stack; shares are of the set's samples");
        m.putAll(CpuProfile.summarise(collapsed, sets, PROFILE_MARKERS));
        log("async-profiler over %s: %s samples; by thread group %s", what, m.get("samples"),
                firstRows(m.get("by_thread_group"), 8));
        for (String set : sets.keySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) m.get(set);
            log("async-profiler over %s, %s: %s samples (%s of all); parts %s; leaf frames %s; on the stack %s", what, set,
                    s.get("samples"), s.get("share_of_all"), s.get("markers"), firstRows(s.get("self_top"), 12),
                    firstRows(s.get("inclusive_top"), 25));
        }
        return m;
    }

    /** The first {@code n} rows of a summary list as {@code frame share} pairs, for a log line. */
    private static String firstRows(Object rows, int n) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> l = (List<Map<String, Object>>) rows;
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, l.size()); i++) {
            sb.append(i == 0 ? "" : ", ").append(l.get(i).get("frame")).append(' ').append(l.get(i).get("share"));
        }
        return sb.append(']').toString();
    }

    /**
     * Runs the app once over {@code warmupEvents} other events of the same kind (topic prefix
     * {@code bench.warm.}, its own application id and state directory) and closes it: the JIT then
     * compiles the app's hot paths before (b) is timed.
     *
     * @return the warm-up drain's events/s
     */
    private double warmUp(HyperrecConfig c, Path dir, Serde<InteractionEvent> eventSerde) throws Exception {
        HyperrecConfig w = c.with(HyperrecConfig.TOPIC_PREFIX, PREFIX + "warm.")
                .with(StreamsConfig.APPLICATION_ID_CONFIG, c.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-warmup")
                .with(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("warmup-state").toString());
        try (Admin admin = Admin.create(w.adminConfig())) {
            TopicSetup.ensure(admin, PREFIX + "warm.", partitions, (short) 1);
        }
        try (SchemaRegistryClient registry = SchemaRegistryClient.fromConfig(w.serdeConfig())) {
            SchemaSetup.ensure(registry, w);
        }
        Input in = Input.generate(warmupEvents, new int[0], users, userZipf, items, dim, clusters, seed + 1,
                eventSerde.serializer(), w.topic(Topics.INTERACTIONS));
        publishCatalog(w, in.catalog());
        preload(w.topic(Topics.INTERACTIONS), 1, w, in);
        try (OutputReader reader = OutputReader.forLists(w, in)) {
            int expected = in.triggering(0, in.preloaded());
            reader.target(expected);
            ModelProcess modelJvm = startModelProcess(w, "warmup-model-process");
            long start = System.nanoTime();
            HyperrecApp.Running app = launch(w, modelJvm);
            try {
                long running = awaitRunning(app.streams(), Duration.ofSeconds(120));
                long done = await(reader, expected, running, new ArrayList<>(), "warm-up");
                return throughput(in.preloaded(), running, done);
            } finally {
                close(app, modelJvm);
                log("warm-up app closed %.1f s after its start", (System.nanoTime() - start) / 1e9);
            }
        }
    }

    // ---------------------------------------------------------------- scale-out (--instances)

    /**
     * One instance of a scale-out drain: events it flushed, lists it sent, its active tasks when the
     * input began and at the end, its stream threads' CPU seconds (from its start).
     */
    record Instance(long events, long lists, List<String> tasksAtStart, List<String> tasksAtEnd, double streamThreadCpuS) {
    }

    /** A drain by {@code instances} instances; the drain's {@code runningNs} is the first send of the input. */
    record ScaleRun(int instances, Drain drain, List<Instance> perInstance) {
    }

    record ScaleOut(ScaleRun one, ScaleRun many) {
    }

    /**
     * {@code n} app instances ({@link HyperrecApp#launch}, one application id, each its own state
     * directory) are started on empty topics of their own (prefix {@code bench.scale<n>.}) and awaited
     * until every one is RUNNING with active tasks and the assignment has not changed for
     * {@link #STABLE}; then the N events of (b) (the same bytes, keys and partitions) are sent to their
     * interactions topic. events/s = N / (the first send → the read_committed consumer has seen the
     * list of every triggering event). So the figure is the throughput of a formed group, not how
     * fast a rebalance hands out a backlog: an instance that joins a group already busy with a backlog
     * gets its tasks only once it counts as caught up ({@code acceptable.recovery.lag}), which is
     * ScaleOutIT's subject, not this drain's.
     */
    private ScaleRun scaleDrain(HyperrecConfig c, Input in, Path dir, int n) throws Exception {
        String prefix = scalePrefix(n);
        HyperrecConfig base = c.with(HyperrecConfig.TOPIC_PREFIX, prefix)
                .with(StreamsConfig.APPLICATION_ID_CONFIG, c.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-scale" + n);
        try (SchemaRegistryClient registry = SchemaRegistryClient.fromConfig(base.serdeConfig())) {
            SchemaSetup.ensure(registry, base);
        }
        publishCatalog(base, in.catalog());
        try (OutputReader reader = OutputReader.forLists(base, in)) {
            int expected = in.triggering(0, in.preloaded());
            reader.target(expected);
            long start = System.nanoTime();
            List<HyperrecApp.Running> apps = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    apps.add(HyperrecApp.launch(instanceConfig(base, i, devices).with(StreamsConfig.STATE_DIR_CONFIG,
                            dir.resolve("scale" + n + "-state-" + i).toString())));
                }
                List<List<String>> tasksAtStart = awaitStableGroup(apps, Duration.ofSeconds(120));
                Map<String, double[]> threadsBefore = threadCpu();
                Cpu before = Cpu.now();
                long first = System.nanoTime();
                // the bytes of (b): the registry's ids are global (one id per schema), so they decode under any topic
                preload(base.topic(Topics.INTERACTIONS), 1, base, in);
                List<double[]> progress = new ArrayList<>();
                long done;
                try {
                    done = await(reader, expected, first, progress, n + (n == 1 ? " instance" : " instances"));
                } catch (IllegalStateException stalled) {
                    for (HyperrecApp.Running app : apps) {
                        Map<String, Double> st = stages(app.registry());
                        log("stalled: instance %s %s, active tasks %s, %.0f events flushed, %.0f lists", app.streams()
                                .metadataForLocalThreads().stream().map(t -> t.threadName()).toList(), app.streams().state(),
                                activeTasks(app), st.get("batched_events"), st.get("lists"));
                    }
                    throw stalled;
                }
                Cpu after = Cpu.now();
                Map<String, Double> threads = threadCpuDelta(threadsBefore, threadCpu());
                List<Instance> per = new ArrayList<>();
                double streamCpu = 0;
                for (int i = 0; i < n; i++) {
                    HyperrecApp.Running app = apps.get(i);
                    Set<String> names = new java.util.HashSet<>();
                    app.streams().metadataForLocalThreads().forEach(t -> names.add(t.threadName()));
                    double cpu = threadCpuSeconds(names);
                    streamCpu += cpu;
                    Map<String, Double> st = stages(app.registry());
                    per.add(new Instance(Math.round(st.get("batched_events")), Math.round(st.get("lists")), tasksAtStart.get(i),
                            activeTasks(app), cpu));
                }
                Drain drain = new Drain(in.preloaded(), reader.count(), start, first, done, after.jvmS() - before.jvmS(),
                        after.brokerS() - before.brokerS(), streamCpu, progress, reader.duplicates(), threads, null);
                log("scale-out drain, %d instance(s): %.0f events/s (%.0f incl. startup; group formed %.2f s after the first"
                        + " start; %d lists); per instance: %s", n, drain.eps(), drain.epsInclStartup(), drain.startupSeconds(),
                        drain.outputs(), per);
                return new ScaleRun(n, drain, per);
            } finally {
                closeAll(apps);
            }
        }
    }

    /** Scale-out instance {@code i}'s config: on device {@code i mod devices} when there are several, else as {@code base}. */
    static HyperrecConfig instanceConfig(HyperrecConfig base, int i, int devices) {
        return devices > 1 ? base.with(HyperrecConfig.CUDA_DEVICE, i % devices) : base;
    }

    /** How long a scale-out group's assignment must stay unchanged before its input is sent. */
    static final Duration STABLE = Duration.ofSeconds(2);

    /** Topic prefix of the scale-out drain by {@code n} instances (its topics are created with the others, in {@link #call}). */
    private static String scalePrefix(int n) {
        return PREFIX + "scale" + n + ".";
    }

    private static List<String> activeTasks(HyperrecApp.Running app) {
        List<String> tasks = new ArrayList<>();
        app.streams().metadataForLocalThreads().forEach(t -> t.activeTasks().forEach(a -> tasks.add(a.taskId().toString())));
        java.util.Collections.sort(tasks);
        return tasks;
    }

    /**
     * Waits until every instance is RUNNING with at least one active task, no task is active twice and
     * the assignment has stayed so for {@link #STABLE}; returns each instance's active tasks.
     */
    private static List<List<String>> awaitStableGroup(List<HyperrecApp.Running> apps, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<List<String>> last = null;
        long since = 0;
        while (true) {
            List<List<String>> now = new ArrayList<>();
            boolean formed = true;
            Set<String> seen = new java.util.HashSet<>();
            for (HyperrecApp.Running app : apps) {
                KafkaStreams.State s = app.streams().state();
                if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_ERROR) {
                    throw new IllegalStateException("an instance failed to start (state " + s + ")");
                }
                List<String> tasks = activeTasks(app);
                formed &= s == KafkaStreams.State.RUNNING && !tasks.isEmpty();
                for (String t : tasks) {
                    formed &= seen.add(t);
                }
                now.add(tasks);
            }
            long t = System.nanoTime();
            if (!formed || !now.equals(last)) {
                last = formed ? now : null;
                since = t;
            } else if (t - since >= STABLE.toNanos()) {
                return now;
            }
            if (t > deadline) {
                throw new IllegalStateException("the instances did not form a stable group within " + timeout + ": " + now);
            }
            Thread.sleep(20);
        }
    }

    /** Closes the instances in parallel (each leaves the group), so that none picks up the others' tasks first. */
    private static void closeAll(List<HyperrecApp.Running> apps) throws InterruptedException {
        List<Thread> closers = new ArrayList<>();
        for (HyperrecApp.Running app : apps) {
            Thread t = new Thread(app::close, "bench-close");
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            t.join();
        }
    }

    private Phase phase(HyperrecConfig c, Input in, int i, KafkaProducer<byte[], byte[]> producer, OutputReader reader,
            long[] sentAt, long[] sentAtMs, MeterRegistry registry, KafkaStreams streams, ModelProcess modelJvm)
            throws InterruptedException {
        Map<String, HistogramSnapshot> before = appHistograms(registry);
        Map<String, Double> commitsBefore = commitTotals(streams);
        double rate = rates[i];
        int from = in.phaseStart()[i];
        int count = in.phaseEvents()[i];
        int to = from + count;
        int lists = in.triggering(from, to);
        // everything up to this phase's end: lists a censored earlier phase still owes are awaited too
        long target = in.triggering(0, to);
        reader.target(target);
        String topic = c.topic(Topics.INTERACTIONS);
        var bar = Progress.bar(String.format(Locale.ROOT, "offer %.0f/s", rate), count, "events", !noProgress);
        // the whole machine from the first send until the phase's lists are in, and this JVM's threads over the same window
        String appId = c.get("application.id");
        String modelAppId = modelAppId(c);
        Map<String, double[]> threadsBefore = threadCpu();
        double listsBefore = streamThreadCpuSeconds(appId);
        double modelBefore = streamThreadCpuSeconds(modelAppId);
        HostCpu window = HostCpu.start(hostProcesses(modelJvm));
        long t0 = System.nanoTime();
        long lastSend;
        long done;
        boolean censored = false;
        Map<String, Object> host;
        try {
            try {
                for (int e = from; e < to; e++) {
                    long due = t0 + (long) ((e - from) / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    sentAt[e] = System.nanoTime();
                    sentAtMs[e] = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(topic, in.keys()[e], in.values()[e]));
                    if (((e - from) & 1023) == 0) {
                        Progress.set(bar, e - from);
                    }
                }
            } finally {
                Progress.close(bar);
            }
            lastSend = System.nanoTime();
            producer.flush();
            try {
                done = await(reader, target, t0, null, null);
            } catch (IllegalStateException timeout) {
                log("%s", timeout.getMessage());
                censored = true;
                done = System.nanoTime();
            }
            host = window.stop(count);
        } finally {
            window.close();
        }
        Map<String, Object> threads = phaseThreads(threadCpuDelta(threadsBefore, threadCpu()),
                streamThreadCpuSeconds(appId) - listsBefore, streamThreadCpuSeconds(modelAppId) - modelBefore);
        long[] arrivals = reader.arrivals();
        long[] lat = new long[lists];
        long[] built = new long[lists];
        long[] visible = new long[lists];
        int n = 0;
        int arrived = 0;
        long lastArrival = t0;
        for (int e = in.triggers().nextSetBit(from); e >= 0 && e < to; e = in.triggers().nextSetBit(e + 1)) {
            long a = arrivals[e];
            if (a != 0) {
                built[arrived] = (reader.generatedMs()[e] - sentAtMs[e]) * 1_000_000L;
                visible[arrived] = (reader.arrivedMs()[e] - reader.generatedMs()[e]) * 1_000_000L;
                arrived++;
                lat[n++] = a - sentAt[e];
                lastArrival = Math.max(lastArrival, a);
            } else {
                lat[n++] = Long.MAX_VALUE; // never arrived: above every measured latency
            }
        }
        Map<String, HistogramSnapshot> after = appHistograms(registry);
        Map<String, Double> commitsAfter = commitTotals(streams);
        long commitsAt = System.nanoTime();
        Map<String, double[]> appMs = new LinkedHashMap<>();
        before.forEach((k, b) -> appMs.put(k, new double[] {deltaQuantileMs(b, after.get(k), 0.50),
                deltaQuantileMs(b, after.get(k), 0.99), deltaQuantileMs(b, after.get(k), 1.0)}));
        Arrays.sort(lat);
        built = Arrays.copyOf(built, arrived);
        visible = Arrays.copyOf(visible, arrived);
        Arrays.sort(built);
        Arrays.sort(visible);
        double sendS = (lastSend - t0) / 1e9;
        return new Phase(rate, count, lists, count / Math.max(sendS, 1e-9), sendS, arrived, reader.duplicates(),
                percentileMs(lat, 0.50), percentileMs(lat, 0.99), percentileMs(lat, 1.0),
                throughput(arrived, t0, lastArrival), throughput(count, t0, lastArrival),
                (Math.max(lastArrival, done) - lastSend) / 1e9,
                censored || arrived < lists, percentileMs(built, 0.50), percentileMs(built, 0.99),
                percentileMs(visible, 0.50), percentileMs(visible, 0.99), appMs,
                commitsPerPhase(commitsBefore, commitsAfter, (commitsAt - t0) / 1e9), host, threads);
    }

    /**
     * A phase's CPU seconds in this JVM: the lists' and the model's stream threads (by their Java names), then every thread
     * group by its OS name ({@link #threadCpuDelta}; both instances' stream threads share the first 15 characters there).
     */
    static Map<String, Object> phaseThreads(Map<String, Double> groups, double listsStreamThreads, double modelStreamThreads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lists_stream_threads", round(listsStreamThreads, 2));
        m.put("model_stream_threads", round(modelStreamThreads, 2));
        m.put("groups", groups);
        return m;
    }

    /**
     * Where the lists' stream threads' time blocked on Kafka went over a window, summed over the threads: {@code blocked_s}
     * (KIP-761's {@code blocked-time-ns-total}, from {@code loops}), of which {@code producer_txn_s} in their producers'
     * {@code flush()} and transaction calls ({@link #commitTotals}), and {@code rest_s} for the remainder: the main
     * consumer's polls, and the producers' waits for buffer memory or metadata. Also the window's {@code commits}, and
     * {@code rest_share}: the rest over the threads' total time in the window.
     */
    static Map<String, Double> blockedOnKafka(List<Map<String, Object>> loops, Map<String, Double> commitsBefore,
            Map<String, Double> commitsAfter, double seconds) {
        double blocked = loops.stream().mapToDouble(t -> ((Number) t.get("blocked_s")).doubleValue()).sum();
        double txnNs = 0;
        for (String k : COMMIT_TOTALS) {
            if (!k.equals("commit-total")) { // the producers' flush and transaction times
                txnNs += commitsAfter.get(k) - commitsBefore.get(k);
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("blocked_s", round(blocked, 3));
        m.put("producer_txn_s", round(txnNs / 1e9, 3));
        m.put("rest_s", round(blocked - txnNs / 1e9, 3));
        m.put("rest_share", loops.isEmpty() || seconds <= 0 ? Double.NaN : round((blocked - txnNs / 1e9) / (loops.size() * seconds), 3));
        m.put("commits", commitsAfter.get("commit-total") - commitsBefore.get("commit-total"));
        return m;
    }

    /** Kafka Streams' and its producers' cumulative metrics that {@link #commitsPerPhase} takes the deltas of. */
    public static final List<String> COMMIT_TOTALS = List.of("commit-total", "flush-time-ns-total", "txn-send-offsets-time-ns-total",
            "txn-commit-time-ns-total", "txn-begin-time-ns-total");

    /**
     * The lists' instance's commit counters now, summed over its stream threads and their producers (exactly_once_v2:
     * one transactional producer per thread): the threads' commits, and the nanoseconds its producers spent blocked in
     * {@code flush()} (waiting for every record of the transaction to be acknowledged), {@code sendOffsetsToTransaction},
     * {@code commitTransaction} and {@code beginTransaction}.
     */
    public static Map<String, Double> commitTotals(KafkaStreams streams) {
        Map<String, Double> m = new LinkedHashMap<>();
        COMMIT_TOTALS.forEach(k -> m.put(k, 0.0));
        streams.metrics().forEach((name, metric) -> {
            boolean thread = name.group().equals("stream-thread-metrics") && name.name().equals("commit-total");
            boolean producer = name.group().equals("producer-metrics") && !name.name().equals("commit-total")
                    && COMMIT_TOTALS.contains(name.name());
            if ((thread || producer) && metric.metricValue() instanceof Number v) {
                m.merge(name.name(), v.doubleValue(), Double::sum);
            }
        });
        return m;
    }

    /**
     * A phase's commits: how many the threads made and at what rate from its first send to when its lists were in, and per commit the mean
     * milliseconds a thread spent blocked in its producer's flush, offsets and end of the transaction (the commit's
     * transactional part; Streams' own work on a commit, flushing caches and stores, is not in these).
     */
    static Map<String, Double> commitsPerPhase(Map<String, Double> before, Map<String, Double> after, double seconds) {
        Map<String, Double> m = new LinkedHashMap<>();
        double commits = after.get("commit-total") - before.get("commit-total");
        m.put("commits", commits);
        m.put("commits_per_s", seconds > 0 ? commits / seconds : Double.NaN);
        String[][] parts = {{"flush-time-ns-total", "flush_ms"}, {"txn-send-offsets-time-ns-total", "send_offsets_ms"},
                {"txn-commit-time-ns-total", "end_txn_ms"}, {"txn-begin-time-ns-total", "begin_ms"}};
        for (String[] p : parts) {
            double ns = after.get(p[0]) - before.get(p[0]);
            m.put(p[1] + "_per_commit", commits > 0 ? ns / commits / 1e6 : Double.NaN);
        }
        return m;
    }

    // ---------------------------------------------------------------- measuring

    /** The app's histograms a phase reports, by the name it reports them under. */
    static final Map<String, String> APP_TIMERS = Map.of("queued", PipelineMetrics.EVENT_QUEUE,
            "in_batch", PipelineMetrics.BATCH_WAIT, "to_list", PipelineMetrics.FRESHNESS, "flush", PipelineMetrics.BATCH_FLUSH);

    private static Map<String, HistogramSnapshot> appHistograms(MeterRegistry registry) {
        Map<String, HistogramSnapshot> m = new java.util.TreeMap<>();
        APP_TIMERS.forEach((k, name) -> {
            Timer t = registry.find(name).timer();
            if (t != null) {
                m.put(k, t.takeSnapshot());
            }
        });
        return m;
    }

    /**
     * The {@code q}-quantile, in ms, of the values a histogram recorded between two snapshots of its cumulative bucket
     * counts (a Prometheus registry's): the upper bound of the bucket it falls in; NaN when nothing was recorded.
     */
    static double deltaQuantileMs(HistogramSnapshot before, HistogramSnapshot after, double q) {
        CountAtBucket[] a = after.histogramCounts();
        CountAtBucket[] b = before.histogramCounts();
        double total = after.count() - before.count();
        if (total <= 0 || a.length != b.length) {
            return Double.NaN;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i].count() - b[i].count() >= q * total) {
                return a[i].bucket(TimeUnit.MILLISECONDS);
            }
        }
        return Double.POSITIVE_INFINITY; // above the largest bucket
    }

    /** A phase's commits for its log line. */
    static String commitLine(Map<String, Double> c) {
        return String.format(Locale.ROOT, "%.0f commits (%.1f/s), per commit: producer flush %.1f ms, offsets %.1f ms,"
                + " end of transaction %.1f ms, begin %.2f ms", c.get("commits"), c.get("commits_per_s"),
                c.get("flush_ms_per_commit"), c.get("send_offsets_ms_per_commit"), c.get("end_txn_ms_per_commit"),
                c.get("begin_ms_per_commit"));
    }

    private static String pair(double[] v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.0f/%.0f ms", v[0], v[1]);
    }

    private static String pairMax(double[] v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.1f/%.1f ms (max %.1f)", v[0], v[1], v[2]);
    }

    /**
     * Waits until {@code reader} has seen {@code target} outputs; returns the nanoTime at which it did.
     * Fails after {@code --timeout-seconds}, or when nothing new arrived for 120 s.
     */
    private long await(OutputReader reader, long target, long from, List<double[]> progress, String bar)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long last = -1;
        long lastChange = System.nanoTime();
        long nextSample = 0;
        var pb = bar == null ? null : Progress.bar(bar, target, "outputs", !noProgress);
        try {
            while (reader.reachedAt() == 0) {
                long now = System.nanoTime();
                long n = reader.count();
                if (progress != null && now >= nextSample) {
                    progress.add(new double[] {(now - from) / 1e9, n / (double) target});
                    nextSample = now + 100_000_000L;
                }
                Progress.set(pb, n);
                if (n != last) {
                    last = n;
                    lastChange = now;
                } else if (now - lastChange > TimeUnit.SECONDS.toNanos(120)) {
                    throw new IllegalStateException("no new output for 120 s: " + n + " of " + target + " seen");
                }
                if (now > deadline) {
                    throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + n + " of " + target + " seen");
                }
                Thread.sleep(5);
            }
        } finally {
            Progress.close(pb);
        }
        long reached = reader.reachedAt();
        if (progress != null) {
            progress.add(new double[] {(reached - from) / 1e9, 1.0});
        }
        return reached;
    }

    private static long awaitRunning(KafkaStreams streams, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            KafkaStreams.State s = streams.state();
            if (System.nanoTime() > deadline || s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
                    || s == KafkaStreams.State.PENDING_ERROR) {
                throw new IllegalStateException("Streams did not reach RUNNING within " + timeout + " (state " + s + ")");
            }
            Thread.sleep(2);
        }
        return System.nanoTime();
    }

    private static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                boolean led = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .flatMap(d -> d.partitions().stream()).allMatch(p -> p.leader() != null && p.leader().id() >= 0);
                if (led) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // not in the metadata yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partitions of " + topics + " have no leader after 60 s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * A read_committed consumer of one topic on its own thread, from the beginning. Without
     * {@code triggers} it counts every record; with them it reads each record's {@code recommendationId}
     * straight from the wire format ({@link #listEventIndex}) and counts the first list of each triggering
     * event (repeats are counted as duplicates), noting its arrival time. With {@code previousTrigger} (the app
     * coalesces, {@code hyperrec.recs.coalesce}) a list also stands for its user's earlier triggering events that have
     * no list yet: they are counted as arrived with it.
     */
    static final class OutputReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final BitSet triggers;
        private final int[] previousTrigger;
        private final AtomicLong records = new AtomicLong();
        private final long[] arrivals;
        /** Per triggering event, its list's {@code generatedAt} and the wall-clock time it arrived here (epoch ms). */
        private final long[] generatedMs;
        private final long[] arrivedMs;
        private final org.apache.avro.specific.SpecificDatumReader<Recommendations> lists =
                new org.apache.avro.specific.SpecificDatumReader<>(Recommendations.class);
        private org.apache.avro.io.BinaryDecoder decoder;
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLong foreign = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private volatile long target = Long.MAX_VALUE;
        private volatile long reachedAt;

        /** The reader of an app's lists: every triggering event of {@code in}, covered by later lists when the app coalesces. */
        static OutputReader forLists(HyperrecConfig c, Input in) {
            boolean coalesce = Boolean.parseBoolean(c.get(HyperrecConfig.RECS_COALESCE).trim());
            return new OutputReader(c.get("bootstrap.servers"), c.topic(Topics.RECOMMENDATIONS), in.triggers(),
                    coalesce ? in.previousTrigger() : null);
        }

        OutputReader(String bootstrap, String topic, BitSet triggers) {
            this(bootstrap, topic, triggers, null);
        }

        OutputReader(String bootstrap, String topic, BitSet triggers, int[] previousTrigger) {
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            this.consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.triggers = triggers;
            this.previousTrigger = previousTrigger;
            this.arrivals = triggers == null ? null : new long[triggers.length()];
            this.generatedMs = triggers == null ? null : new long[triggers.length()];
            this.arrivedMs = triggers == null ? null : new long[triggers.length()];
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(pi -> tps.add(new TopicPartition(pi.topic(), pi.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            // a short name: the OS thread name (15 characters) must not pass for the stream thread's in threadCpu()
            thread = new Thread(this::run, "bench-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.nanoTime();
                    if (triggers != null) {
                        long e = listEventIndex(r.value());
                        if (e < 0 || e >= arrivals.length || !triggers.get((int) e)) {
                            foreign.incrementAndGet();
                            continue;
                        }
                        if (arrivals[(int) e] != 0) {
                            duplicates.incrementAndGet();
                            continue;
                        }
                        int resolved = markArrived((int) e, previousTrigger, now, System.currentTimeMillis(),
                                generatedAt(r.value()), arrivals, arrivedMs, generatedMs);
                        records.incrementAndGet();
                        long before = count.getAndAdd(resolved);
                        if (before < target && before + resolved >= target) {
                            reachedAt = now;
                        }
                        continue;
                    }
                    records.incrementAndGet();
                    if (count.incrementAndGet() == target) {
                        reachedAt = now;
                    }
                }
            }
        }

        /**
         * Marks event {@code e}'s list as arrived and, with {@code previousTrigger}, each earlier triggering event of the
         * same user back to the first one already marked (the list stands for them); returns how many were marked.
         */
        static int markArrived(int e, int[] previousTrigger, long now, long wallMs, long generatedAtMs, long[] arrivals,
                long[] arrivedMs, long[] generatedMs) {
            int marked = 0;
            for (int x = e; x >= 0 && arrivals[x] == 0; x = previousTrigger == null ? -1 : previousTrigger[x]) {
                arrivals[x] = now;
                arrivedMs[x] = wallMs;
                generatedMs[x] = generatedAtMs;
                marked++;
            }
            return marked;
        }

        /** Outputs to wait for (counted from the start); resets the time it was reached. */
        void target(long t) {
            reachedAt = 0;
            target = t;
            if (count.get() >= t) {
                reachedAt = System.nanoTime();
            }
        }

        long reachedAt() {
            return reachedAt;
        }

        long count() {
            return count.get();
        }

        long duplicates() {
            return duplicates.get();
        }

        /** Whether a list also stands for its user's earlier triggering events (the app coalesces). */
        boolean coalescing() {
            return previousTrigger != null;
        }

        /** Records read (each list once, duplicates and foreign records aside): fewer than {@link #count()} when lists stand for several events. */
        long records() {
            return records.get();
        }

        /** Arrival nanoTime per event index (0: not arrived); read after {@link #count()} reached what is read. */
        long[] arrivals() {
            return arrivals;
        }

        long[] generatedMs() {
            return generatedMs;
        }

        long[] arrivedMs() {
            return arrivedMs;
        }

        /** The list's {@code generatedAt} (epoch ms), decoded past the wire format's 5-byte header. */
        private long generatedAt(byte[] v) {
            try {
                decoder = org.apache.avro.io.DecoderFactory.get().binaryDecoder(v, 5, v.length - 5, decoder);
                return lists.read(null, decoder).getGeneratedAt().toEpochMilli();
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * The event index {@code i} of a list whose {@code recommendationId} is {@code evt:pb-<i>}, read from
     * a {@code Recommendations} record in the Confluent wire format (magic byte, 4-byte schema id, then
     * Avro binary: {@code userId} string, {@code recommendationId} string, each a zig-zag varint length
     * and UTF-8 bytes); -1 for anything else.
     */
    static long listEventIndex(byte[] v) {
        if (v == null || v.length < 6 || v[0] != 0) {
            return -1;
        }
        int[] pos = {5};
        long userLen = readVarLong(v, pos);
        if (userLen < 0 || pos[0] + userLen > v.length) {
            return -1;
        }
        pos[0] += (int) userLen;
        long idLen = readVarLong(v, pos);
        int start = pos[0];
        if (idLen <= LIST_ID_PREFIX.length || idLen > LIST_ID_PREFIX.length + 18 || start + idLen > v.length) {
            return -1;
        }
        for (int i = 0; i < LIST_ID_PREFIX.length; i++) {
            if (v[start + i] != LIST_ID_PREFIX[i]) {
                return -1;
            }
        }
        long n = 0;
        for (int i = start + LIST_ID_PREFIX.length; i < start + idLen; i++) {
            int d = v[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    /** Avro's zig-zag varint long at {@code pos[0]}, advancing it; -1 when malformed or truncated. */
    private static long readVarLong(byte[] v, int[] pos) {
        long raw = 0;
        int shift = 0;
        while (pos[0] < v.length && shift <= 63) {
            int b = v[pos[0]++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
            shift += 7;
        }
        return -1;
    }

    /** Nearest-rank percentile of ascending nanoseconds, in ms; {@code Long.MAX_VALUE} entries (never arrived) give +inf. */
    static double percentileMs(long[] sortedNs, double q) {
        if (sortedNs.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(q * sortedNs.length) - 1;
        long v = sortedNs[Math.max(0, Math.min(sortedNs.length - 1, idx))];
        return v == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : v / 1e6;
    }

    /** Events per second for {@code n} events between two nanoTimes. */
    static double throughput(long n, long fromNs, long toNs) {
        if (toNs <= fromNs) {
            return Double.NaN;
        }
        return n / ((toNs - fromNs) / 1e9);
    }

    /**
     * CPU seconds used so far by this JVM and by the broker's JVM: the live child processes of this JVM
     * (the broker is the only one while the benchmark runs; its storage format tool has exited).
     */
    record Cpu(double jvmS, double brokerS) {
        static Cpu now() {
            return now(-1);
        }

        /** As {@link #now()}, leaving out the child {@code notBroker} (the model's JVM of {@code --model-process}). */
        static Cpu now(long notBroker) {
            double jvm = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
            double broker = ProcessHandle.current().children().filter(ProcessHandle::isAlive).filter(ph -> ph.pid() != notBroker)
                    .mapToDouble(ph -> ph.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN))
                    .sum();
            return new Cpu(jvm, broker);
        }
    }

    /**
     * The processes whose CPU a {@link HostCpu} window names: this JVM (the app and the harness's producer and
     * consumer), the broker (this JVM's children but the model's JVM) and, when it runs, the model's JVM.
     */
    private static Supplier<Map<String, Double>> hostProcesses(ModelProcess model) {
        long notBroker = model == null ? -1 : model.pid();
        return () -> {
            Cpu cpu = Cpu.now(notBroker);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("this_jvm", cpu.jvmS());
            m.put("broker", cpu.brokerS());
            if (model != null) {
                m.put("model_jvm", model.cpuSeconds());
            }
            return m;
        };
    }

    /** The whole machine's CPU µs an event of a {@link HostCpu} window, or null where /proc/stat is absent. */
    private static Object machineUsPerEvent(Map<String, Object> host) {
        return host.get("cpu_us_per_event") instanceof Map<?, ?> us ? us.get("machine") : null;
    }

    private static void logHost(String what, Map<String, Object> host) {
        log("host CPU over the %s: %s of %s cores busy (nice %s, idle %s), runnable threads mean %s, max %s; CPU us an event %s",
                what, host.get("busy_share"), host.get("cores"), host.get("nice_share"), host.get("idle_share"),
                host.get("runnable_mean"), host.get("runnable_max"), host.get("cpu_us_per_event"));
    }

    /**
     * CPU time of this JVM's threads, Java's and the VM's own (GC, JIT compiler, RocksDB's background
     * threads), from /proc/self/task: thread id → {name, seconds}. Names are the OS's (15 characters:
     * a stream thread shows as its application id's first 15). Empty where /proc is absent.
     */
    static Map<String, double[]> threadCpu() {
        Map<String, double[]> m = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] rest = stat.substring(close + 2).split(" ");
                    // fields 14 and 15 of stat (utime, stime) in clock ticks of 1/100 s (USER_HZ on Linux)
                    double s = (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) / 100.0;
                    m.put(t.getFileName().toString(), new double[] {s});
                    NAMES.put(t.getFileName().toString(), stat.substring(open + 1, close));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return m;
    }

    /** Thread id → OS thread name, as last seen by {@link #threadCpu()}. */
    private static final Map<String, String> NAMES = new java.util.concurrent.ConcurrentHashMap<>();

    /** CPU seconds per thread group between two {@link #threadCpu()} snapshots, the largest first (groups: name without its number). */
    static Map<String, Double> threadCpuDelta(Map<String, double[]> before, Map<String, double[]> after) {
        Map<String, Double> groups = new HashMap<>();
        after.forEach((tid, a) -> {
            double[] b = before.get(tid);
            double d = a[0] - (b == null ? 0 : b[0]);
            String group = NAMES.getOrDefault(tid, "?").replaceAll("[#\\-]?\\d+$", "");
            groups.merge(group, d, Double::sum);
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        groups.entrySet().stream().filter(e -> e.getValue() >= 0.005)
                .sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                .forEach(e -> sorted.put(e.getKey(), round(e.getValue(), 2)));
        return sorted;
    }

    /** CPU seconds of the live threads named {@code names}. */
    private static double threadCpuSeconds(Set<String> names) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double s = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (names.contains(t.getName())) {
                long ns = mx.getThreadCpuTime(t.getId());
                if (ns > 0) {
                    s += ns / 1e9;
                }
            }
        }
        return s;
    }

    /**
     * Whether {@code threadName} is a stream thread of the instance {@code applicationId} (client id {@code
     * <applicationId>-<process UUID>}), and not of the model's instance in the same JVM, whose id is {@code
     * <applicationId>-model}.
     */
    static boolean isStreamThreadOf(String threadName, String applicationId) {
        return threadName.startsWith(applicationId + "-") && threadName.contains("-StreamThread-")
                && !threadName.startsWith(applicationId + HyperrecConfig.MODEL_APP_SUFFIX + "-");
    }

    /** The application id of {@code c}'s item-to-item model instance (HyperrecConfig's model Streams properties). */
    private static String modelAppId(HyperrecConfig c) {
        return c.get("application.id") + HyperrecConfig.MODEL_APP_SUFFIX;
    }

    /** CPU seconds of the live stream threads of {@code applicationId}'s instance (not its model's instance's). */
    private static double streamThreadCpuSeconds(String applicationId) {
        return streamThreadCpu(applicationId).stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Kafka Streams' stream-thread metrics read by {@link #streamThreadLoops}: cumulative, so a drain's share is a difference. */
    private static final List<String> LOOP_TOTALS = List.of("blocked-time-ns-total", "poll-total", "process-total",
            "commit-total", "punctuate-total");
    private static final List<String> LOOP_AVERAGES = List.of("poll-latency-avg", "process-latency-avg", "commit-latency-avg",
            "punctuate-latency-avg");

    /** Per stream thread (its {@code thread-id}), the {@link #LOOP_TOTALS} and {@link #LOOP_AVERAGES} metrics now. */
    static Map<String, Map<String, Double>> streamThreadLoops(KafkaStreams streams) {
        Map<String, Map<String, Double>> m = new TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            if (!"stream-thread-metrics".equals(name.group())
                    || !(LOOP_TOTALS.contains(name.name()) || LOOP_AVERAGES.contains(name.name()))) {
                return;
            }
            Object v = metric.metricValue();
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                m.computeIfAbsent(name.tags().getOrDefault("thread-id", "?"), k -> new TreeMap<>()).put(name.name(), n.doubleValue());
            }
        });
        return m;
    }

    /**
     * Where each stream thread's drain went, from Kafka Streams' own thread metrics: {@code blocked_s}, the time it was
     * blocked on Kafka (the consumer's poll, the producer's send, flush and transaction calls; KIP-761), and the loop's
     * polls, process calls, commits and punctuations over the drain with their average latency (the latencies are
     * Streams' windowed averages at the drain's end).
     */
    static List<Map<String, Object>> streamThreadLoopsDelta(Map<String, Map<String, Double>> before,
            Map<String, Map<String, Double>> after, double drainS) {
        List<Map<String, Object>> out = new ArrayList<>();
        after.forEach((thread, a) -> {
            Map<String, Double> b = before.getOrDefault(thread, Map.of());
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("thread", thread.replaceAll(".*-(StreamThread-\\d+)$", "$1"));
            double blocked = (a.getOrDefault("blocked-time-ns-total", 0.0) - b.getOrDefault("blocked-time-ns-total", 0.0)) / 1e9;
            t.put("blocked_s", round(blocked, 3));
            t.put("blocked_share", round(blocked / Math.max(1e-9, drainS), 3));
            for (String total : LOOP_TOTALS.subList(1, LOOP_TOTALS.size())) {
                // polls, process_calls, commits, punctuations
                String key = switch (total) {
                    case "process-total" -> "process_calls";
                    case "punctuate-total" -> "punctuations";
                    default -> total.replace("-total", "s");
                };
                t.put(key, Math.round(a.getOrDefault(total, 0.0) - b.getOrDefault(total, 0.0)));
            }
            for (String avg : LOOP_AVERAGES) {
                t.put(avg.replace('-', '_') + "_ms", round(a.getOrDefault(avg, Double.NaN), 3));
            }
            out.add(t);
        });
        out.sort((x, y) -> Double.compare((double) y.get("blocked_s"), (double) x.get("blocked_s")));
        return out;
    }

    /**
     * Each input partition's share of the drain's events (Kafka's default partitioner: murmur2 of the key), the largest
     * first.
     */
    static List<Double> partitionShares(Input in, int partitions) {
        long[] counts = new long[partitions];
        for (int i = 0; i < in.preloaded(); i++) {
            counts[org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(in.keys()[i])) % partitions]++;
        }
        List<Double> shares = new ArrayList<>();
        for (long n : counts) {
            shares.add(round(n / (double) Math.max(1, in.preloaded()), 4));
        }
        shares.sort(java.util.Comparator.reverseOrder());
        return shares;
    }

    /**
     * CPU seconds of each live stream thread of {@code applicationId}'s instance since its start, the busiest first: with
     * the users' Zipf skew one thread's partitions can hold far more of the events than another's, and the drain ends
     * with the busiest.
     */
    static List<Double> streamThreadsCpuSeconds(String applicationId) {
        List<Double> s = new ArrayList<>();
        for (double cpu : streamThreadCpu(applicationId)) {
            s.add(round(cpu, 2));
        }
        s.sort(java.util.Comparator.reverseOrder());
        return s;
    }

    /** CPU seconds of each live stream thread of {@code applicationId}'s instance (not its model's instance's). */
    private static List<Double> streamThreadCpu(String applicationId) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<Double> s = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (isStreamThreadOf(t.getName(), applicationId)) {
                long ns = mx.getThreadCpuTime(t.getId());
                if (ns > 0) {
                    s.add(ns / 1e9);
                }
            }
        }
        return s;
    }

    /** The app's own per-stage timers (PipelineMetrics), summed so far: seconds, counts, events. */
    private static Map<String, Double> stages(MeterRegistry r) {
        Map<String, Double> m = new LinkedHashMap<>();
        Timer flush = r.find(PipelineMetrics.BATCH_FLUSH).timer();
        m.put("flushes", flush == null ? Double.NaN : (double) flush.count());
        m.put("flush_s", flush == null ? Double.NaN : flush.totalTime(TimeUnit.NANOSECONDS) / 1e9);
        for (PipelineMetrics.Operator op : PipelineMetrics.Operator.values()) {
            Timer t = r.find(PipelineMetrics.OPERATOR_LATENCY).tag("operator", op.tag()).timer();
            m.put(op.tag() + "_s", t == null ? Double.NaN : t.totalTime(TimeUnit.NANOSECONDS) / 1e9);
        }
        DistributionSummary batch = r.find(PipelineMetrics.BATCH_SIZE).summary();
        m.put("batched_events", batch == null ? Double.NaN : batch.totalAmount());
        var recs = r.find(PipelineMetrics.RECOMMENDATIONS).counter();
        m.put("lists", recs == null ? Double.NaN : recs.count());
        // the item-to-item model's checkpoints, when its instance runs in this JVM (it reports through the same registry)
        for (String[] c : new String[][] {{"model_checkpoints", PipelineMetrics.NEIGHBOURS_CHECKPOINTS},
                {"model_checkpoint_records", PipelineMetrics.NEIGHBOURS_CHECKPOINT_RECORDS},
                {"model_checkpoint_pairs_changed", PipelineMetrics.NEIGHBOURS_CHECKPOINT_PAIRS_CHANGED},
                {"model_checkpoint_pairs_written", PipelineMetrics.NEIGHBOURS_CHECKPOINT_PAIRS_WRITTEN},
                {"model_lists_published", PipelineMetrics.NEIGHBOURS_PUBLISHED}}) {
            var counter = r.find(c[1]).counter();
            m.put(c[0], counter == null ? Double.NaN : counter.count());
        }
        return m;
    }

    // ---------------------------------------------------------------- report

    /** Writes the JSON and the plot; returns the {@code pipeline:} line. */
    private String report(HyperrecConfig c, Input in, double preloadEps, int repeats, List<Drain> ceilings, AppRun app,
            ScaleOut scale) throws IOException {
        // the best run: later runs are faster (JIT warm-up in this JVM and the broker's), and a ceiling is what the
        // same broker and Streams can do, so the best run errs against hyperrec, not for it
        double[] ceilingEps = ceilings.stream().mapToDouble(Drain::eps).sorted().toArray();
        double ceiling = ceilingEps[ceilingEps.length - 1];
        Drain best = ceilings.stream().filter(d -> d.eps() == ceiling).findFirst().orElseThrow();
        double hyper = app.drain().eps();
        double ratio = hyper / ceiling;
        Phase at20k = app.phases().stream().filter(p -> p.offeredEps() == 20_000).findFirst().orElse(null);
        double p99At20k = at20k == null ? Double.NaN : at20k.p99Ms();

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("issue", 7);
        j.put("date_utc", Instant.now().toString());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        j.put("machine", machine);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("events", events);
        setup.put("users", users);
        setup.put("user_zipf", userZipf);
        setup.put("users_seen", distinctUsers(in, 0, in.preloaded()));
        setup.put("top_user_share", round(new ZipfSampler(users, userZipf).probability(0), 4));
        setup.put("items", items);
        setup.put("dim", dim);
        setup.put("clusters", clusters);
        setup.put("partitions", partitions);
        setup.put("partition_shares", partitionShares(in, partitions));
        setup.put("seed", seed);
        setup.put("triggering_events", in.triggering(0, in.preloaded()));
        setup.put("mean_event_bytes", round(Arrays.stream(in.values(), 0, in.preloaded()).mapToInt(b -> b.length).average().orElse(0), 1));
        Properties sp = c.streamsProperties();
        setup.put("processing_guarantee", sp.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        setup.put("commit_interval_ms", sp.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100 (Streams' default under exactly_once_v2)"));
        setup.put("num_stream_threads", sp.getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1 (Streams' default)"));
        setup.put("warmup_events", warmupEvents);
        setup.put("batch_max_events", c.get(HyperrecConfig.BATCH_MAX_EVENTS));
        setup.put("batch_flush_interval_ms", c.get(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS));
        setup.put("batch_commit_on_timed_flush", c.get(HyperrecConfig.BATCH_COMMIT_ON_TIMED_FLUSH));
        setup.put("batch_commit_request_interval_ms", c.get(HyperrecConfig.BATCH_COMMIT_REQUEST_INTERVAL_MS));
        setup.put("batch_commit_queue_share", c.get(HyperrecConfig.BATCH_COMMIT_QUEUE_SHARE));
        setup.put("backend", app.backendName());
        setup.put("broker", "own JVM (BrokerProcess, KRaft, 127.0.0.1, -Xmx512m)");
        setup.put("app", "this JVM (HyperrecApp.launch), the passthrough likewise; consumers and producers of the harness in this JVM too");
        setup.put("schema_registry", "in-process (mock://), ids cached by the Serdes");
        setup.put("preload_eps", Math.round(preloadEps));
        setup.put("devices", devices);
        setup.put("jfr", jfr);
        setup.put("jfr_phases", jfrPhases);
        setup.put("profile_phases", profilePhases);
        setup.put("profile_drain", profileDrain);
        setup.put("settle_model", settleModel);
        setup.put("model", !c.neighboursEnabled() ? "off" : !c.modelInOwnApp() ? "in the lists' instance"
                : modelProcess ? "its own instance in a JVM of its own (hyperrec.role=model" + (modelNice != 0 ? ", nice " + modelNice : "")
                        + ", -Xmx" + modelHeap + "), the lists' instance here (hyperrec.role=lists)"
                : "its own instance, in this JVM beside the lists' instance");
        j.put("setup", setup);

        List<Object> runs = new ArrayList<>();
        for (Drain d : ceilings) {
            runs.add(drainJson(d));
        }
        Map<String, Object> ce = new LinkedHashMap<>();
        ce.put("eps", Math.round(ceiling));
        ce.put("input", "the N pre-loaded events (same bytes, keys, partitions) repeated " + repeats + " times in "
                + PREFIX + "ceiling-in: " + (long) repeats * events + " events");
        ce.put("definition", "events / (first moment the instance was RUNNING → the read_committed consumer has seen them all); the best run");
        ce.put("median_eps", Math.round(ceilingEps[ceilingEps.length / 2]));
        ce.put("runs", runs);
        j.put("ceiling", ce);

        Map<String, Object> hy = new LinkedHashMap<>(drainJson(app.drain()));
        hy.put("definition", "N / (RUNNING → the read_committed consumer has seen the list of every triggering event of the N)");
        Map<String, Object> stages = new LinkedHashMap<>(app.stages());
        double wall = app.drain().seconds();
        stages.put("note", "PipelineMetrics timers summed over the drain (one stream thread): flush_s = whole flushes (operators, ranking,"
                + " forwarding the lists, state write-back); the *_s operator times are inside flush_s; wall_s is the drain");
        stages.put("wall_s", round(wall, 3));
        hy.put("stages", stages);
        if (app.drainCpuProfile() != null) {
            hy.put("cpu_profile", app.drainCpuProfile());
        }
        if (app.profile() != null) {
            hy.put("profile", app.profile());
        }
        if (app.model() != null) {
            hy.put("item_to_item_model", app.model());
        }
        j.put("hyperrec", hy);

        List<Object> lat = new ArrayList<>();
        for (Phase p : app.phases()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("offered_eps", p.offeredEps());
            m.put("events", p.events());
            m.put("send_s", round(p.sendSeconds(), 3));
            m.put("sent_eps", Math.round(p.sentEps()));
            m.put("lists_expected", p.lists());
            m.put("lists_arrived", p.arrived());
            m.put("p50_ms", round(p.p50Ms(), 1));
            m.put("p99_ms", round(p.p99Ms(), 1));
            m.put("max_ms", round(p.maxMs(), 1));
            m.put("built_p50_ms", round(p.builtP50Ms(), 1));
            m.put("built_p99_ms", round(p.builtP99Ms(), 1));
            m.put("visible_p50_ms", round(p.visibleP50Ms(), 1));
            m.put("visible_p99_ms", round(p.visibleP99Ms(), 1));
            p.appMs().forEach((k, v) -> {
                m.put("app_" + k + "_p50_ms", round(v[0], 1));
                m.put("app_" + k + "_p99_ms", round(v[1], 1));
                m.put("app_" + k + "_max_ms", round(v[2], 1));
            });
            Map<String, Object> cm = new LinkedHashMap<>();
            p.commits().forEach((k, v) -> cm.put(k, round(v, 2)));
            m.put("commits", cm);
            m.put("lists_out_eps", Math.round(p.outputEps()));
            m.put("handled_eps", Math.round(p.handledEps()));
            m.put("drain_after_last_send_s", round(p.drainAfterSendS(), 2));
            m.put("censored", p.censored());
            if (p.host() != null) {
                m.put("host_cpu", p.host());
            }
            m.put("jvm_threads_cpu_s", p.threads());
            lat.add(m);
        }
        Map<String, Object> la = new LinkedHashMap<>();
        la.put("definition", "producer send() of a triggering event → its list at the read_committed consumer, same JVM clock;"
                + " each rate offered for rate_seconds, then its lists awaited; handled_eps = the phase's events / (first send → its last list);"
                + " built_*: send() → the list's generatedAt (transfer, the wait in the open batch, the flush), visible_*: generatedAt →"
                + " the read_committed consumer has it (the wait for the commit, the commit, the fetch), wall clock in whole ms;"
                + " app_*: the app's histograms over the phase (bucket upper bounds): queued = the record's timestamp → its"
                + " acceptance by its task, in_batch = acceptance → its flush's start, to_list = the record's timestamp → its list's creation;"
                + " commits: the lists' instance's stream threads' commits from the phase's first send until its lists were in and, per commit, the mean ms a"
                + " thread was blocked in its transactional producer's flush (every record of the transaction acknowledged),"
                + " sendOffsetsToTransaction, commitTransaction and beginTransaction (Kafka's producer metrics *-time-ns-total);"
                + " host_cpu: the whole machine from the phase's first send until its lists were in (as the drain's host_cpu);"
                + " jvm_threads_cpu_s: this JVM's CPU seconds over the same window, the lists' and the model's stream threads"
                + " (Java thread names) and every thread group (OS thread names, numbers dropped)");
        la.put("rate_seconds", rateSeconds);
        la.put("phases", lat);
        if (app.phasesProfile() != null) {
            la.put("profile", app.phasesProfile());
        }
        if (app.phasesCpuProfile() != null) {
            la.put("cpu_profile", app.phasesCpuProfile());
        }
        j.put("latency", la);

        if (scale != null) {
            Map<String, Object> so = new LinkedHashMap<>();
            so.put("instances", instances);
            so.put("hyperrec_eps", Math.round(scale.many().drain().eps()));
            so.put("one_instance_eps", Math.round(scale.one().drain().eps()));
            so.put("ratio", round(scale.many().drain().eps() / scale.one().drain().eps(), 3));
            so.put("definition", "each drain: its own topics (prefix bench.scale<n>.), application id and one state directory per"
                    + " instance, all instances in this JVM; started on empty topics, and once the group is formed and its"
                    + " assignment stable, the N events of (b) (same bytes, keys, partitions) are sent; eps = N / (first send →"
                    + " the read_committed consumer has seen the list of every triggering event of the N). Unlike (b), the"
                    + " input is not pre-loaded: the send (tens of thousands of events/s) overlaps the drain");
            so.put("order", "after (c): the " + instances + "-instance drain, then the one-instance drain (on the warmer JIT,"
                    + " which errs against scale-out); (b)'s own drain (hyperrec.eps above) is a third one-instance figure");
            so.put("runs", List.of(scaleJson(scale.many()), scaleJson(scale.one())));
            j.put("scale_out", so);
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("ceiling_eps", Math.round(ceiling));
        summary.put("hyperrec_eps", Math.round(hyper));
        summary.put("ratio", round(ratio, 5));
        summary.put("p99_ms_at_20k", round(p99At20k, 1));
        summary.put("target_ratio", 0.5);
        summary.put("target_p99_ms_at_20k", 200);
        summary.put("ratio_met", ratio >= 0.5);
        summary.put("p99_met", p99At20k <= 200 && at20k != null && !at20k.censored());
        if (scale != null) {
            summary.put("instances", instances);
            summary.put("scale_out_eps", Math.round(scale.many().drain().eps()));
            summary.put("scale_out_one_instance_eps", Math.round(scale.one().drain().eps()));
        }
        j.put("summary", summary);

        Files.createDirectories(out);
        String name = "pipeline-" + app.backendName();
        Files.writeString(out.resolve(name + ".json"), json(j, 0) + "\n");
        try {
            plot(out.resolve(name + ".png"), best, app, ceiling, hyper, scale);
            log("wrote %s and %s", out.resolve(name + ".json"), out.resolve(name + ".png"));
        } catch (RuntimeException | InternalError e) {
            // e.g. a jlinked runtime without fonts ("Fontconfig head is null"): the JSON has every figure,
            // and PipelinePlot draws it elsewhere
            Files.deleteIfExists(out.resolve(name + ".png"));
            log("wrote %s; no plot (%s), draw it with tools.PipelinePlot", out.resolve(name + ".json"), e);
        }
        String line = String.format(Locale.ROOT, "pipeline: ceiling_eps=%.0f hyperrec_eps=%.0f ratio=%.4f p99_ms_at_20k=%.1f backend=%s",
                ceiling, hyper, ratio, p99At20k, app.backendName());
        if (scale != null) {
            line += String.format(Locale.ROOT, " instances=%d scale_out_eps=%.0f", instances, scale.many().drain().eps());
        }
        return line;
    }

    private static int distinctUsers(Input in, int from, int to) {
        Set<byte[]> s = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int i = from; i < to; i++) {
            s.add(in.keys()[i]);
        }
        return s.size();
    }

    private static Map<String, Object> scaleJson(ScaleRun r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instances", r.instances());
        m.putAll(drainJson(r.drain()));
        m.put("startup_note", "startup_s: from the first instance's start until the group had stayed formed for "
                + STABLE.toMillis() + " ms (every instance RUNNING with active tasks), when the input began; eps counts from"
                + " the first send of the input, cpu from then too");
        List<Object> per = new ArrayList<>();
        for (Instance i : r.perInstance()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("events", i.events());
            pm.put("eps", Math.round(i.events() / r.drain().seconds()));
            pm.put("lists", i.lists());
            pm.put("active_tasks", i.tasksAtStart());
            pm.put("rebalanced_during_drain", !i.tasksAtStart().equals(i.tasksAtEnd()));
            pm.put("stream_thread_cpu_s", round(i.streamThreadCpuS(), 2));
            per.add(pm);
        }
        m.put("per_instance", per);
        m.put("per_instance_note", "events: the instance's flushed events (PipelineMetrics batch sizes; an aborted transaction's"
                + " events are flushed again by the task's next owner, so the sum can exceed N); eps = events / drain_s;"
                + " active_tasks: when the input began (1_x: the per-user tasks, 2_x: the item-keyed co-occurrence tasks);"
                + " stream_thread_cpu_s: from the instance's start");
        return m;
    }

    private static Map<String, Object> drainJson(Drain d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eps", Math.round(d.eps()));
        m.put("eps_incl_startup", Math.round(d.epsInclStartup()));
        m.put("startup_s", round(d.startupSeconds(), 3));
        m.put("drain_s", round(d.seconds(), 3));
        m.put("outputs", d.outputs());
        m.put("duplicates", d.duplicates());
        double wall = (d.doneNs() - d.startNs()) / 1e9;
        m.put("jvm_cpu_s", round(d.jvmCpuS(), 2));
        m.put("broker_cpu_s", round(d.brokerCpuS(), 2));
        m.put("stream_thread_cpu_s", round(d.streamThreadCpuS(), 2));
        m.put("jvm_threads_cpu_s", new LinkedHashMap<String, Object>(d.jvmThreadsCpuS()));
        m.put("cpu_note", "CPU seconds from start() to the last output (" + round(wall, 2) + " s of wall time, startup included);"
                + " jvm = app + harness producer/consumer");
        if (d.host() != null) {
            m.put("host_cpu", d.host());
        }
        return m;
    }

    private void plot(Path file, Drain ceiling, AppRun app, double ceilingEps, double hyperEps, ScaleOut scale) throws IOException {
        XYChart drains = new XYChartBuilder().width(700).height(500).title(String.format(Locale.ROOT,
                "Backlog drain: passthrough %.0f/s, hyperrec %.0f/s", ceilingEps, hyperEps))
                .xAxisTitle("seconds since RUNNING").yAxisTitle("fraction of expected outputs (read_committed)").build();
        addSeries(drains, "passthrough (EOS v2), best run", ceiling.progress());
        addSeries(drains, "hyperrec (" + app.backendName() + "), lists of triggering events", app.drain().progress());
        if (scale != null) {
            // x: seconds since the first send of the input (the group was formed before it)
            addSeries(drains, "hyperrec, " + instances + " instances (scale-out; x from the first send)", scale.many().drain().progress());
            addSeries(drains, "hyperrec, 1 instance (scale-out baseline; x from the first send)", scale.one().drain().progress());
        }
        drains.getStyler().setMarkerSize(0).setLegendPosition(Styler.LegendPosition.InsideSE);
        XYChart lat = new XYChartBuilder().width(700).height(500).title("Event -> list latency vs offered rate")
                .xAxisTitle("offered events/s").yAxisTitle("ms (log)").build();
        lat.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true);
        lat.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        double[] x = app.phases().stream().mapToDouble(Phase::offeredEps).toArray();
        double[] p50 = app.phases().stream().mapToDouble(p -> finiteOr(p.p50Ms(), 1e7)).toArray();
        double[] p99 = app.phases().stream().mapToDouble(p -> finiteOr(p.p99Ms(), 1e7)).toArray();
        if (x.length > 0) {
            lat.addSeries("p50", x, p50).setMarker(SeriesMarkers.CIRCLE);
            lat.addSeries("p99", x, p99).setMarker(SeriesMarkers.DIAMOND);
            lat.addSeries("target p99 at 20K/s (200 ms)", new double[] {20_000}, new double[] {200}).setMarker(SeriesMarkers.CROSS);
        }
        BitmapEncoder.saveBitmap(List.of(drains, lat), 1, 2, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void addSeries(XYChart chart, String name, List<double[]> points) {
        if (points.isEmpty()) {
            return;
        }
        chart.addSeries(name, points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray());
    }

    private static double finiteOr(double v, double otherwise) {
        return Double.isFinite(v) && v > 0 ? v : otherwise;
    }

    static double round(double d, int digits) {
        if (!Double.isFinite(d)) {
            return d;
        }
        double f = Math.pow(10, digits);
        return Math.round(d * f) / f;
    }

    /** A minimal JSON writer: maps (insertion order), lists, strings, numbers (NaN/inf as null), booleans. */
    static String json(Object v, int indent) {
        StringBuilder sb = new StringBuilder();
        writeJson(sb, v, indent);
        return sb.toString();
    }

    private static void writeJson(StringBuilder sb, Object v, int indent) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            sb.append('"');
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    default -> {
                        if (ch < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                    }
                }
            }
            sb.append('"');
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                sb.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                sb.append((long) d).append(".0");
            } else {
                sb.append(d);
            }
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            String pad = "  ".repeat(indent + 1);
            sb.append("{");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(i++ == 0 ? "\n" : ",\n").append(pad);
                writeJson(sb, String.valueOf(e.getKey()), indent + 1);
                sb.append(": ");
                writeJson(sb, e.getValue(), indent + 1);
            }
            sb.append(m.isEmpty() ? "}" : "\n" + "  ".repeat(indent) + "}");
        } else if (v instanceof List<?> l) {
            boolean flat = l.stream().allMatch(x -> x instanceof Number);
            if (flat) {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    writeJson(sb, l.get(i), indent + 1);
                }
                sb.append(']');
                return;
            }
            String pad = "  ".repeat(indent + 1);
            sb.append("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "\n" : ",\n").append(pad);
                writeJson(sb, l.get(i), indent + 1);
            }
            sb.append(l.isEmpty() ? "]" : "\n" + "  ".repeat(indent) + "]");
        } else {
            writeJson(sb, String.valueOf(v), indent);
        }
    }

    static void log(String format, Object... args) {
        System.out.println("pipeline-bench: " + String.format(Locale.ROOT, format, args));
    }
}
