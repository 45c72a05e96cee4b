package dev.hyperrec.topology.cli;

import dev.hyperrec.topology.ConfigSources;
import dev.hyperrec.topology.HyperrecApp;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hyperrec run}: the streaming app against a cluster, with its metrics and health endpoint, until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the streaming app with its metrics and health endpoint until stopped.",
                "Stops on SIGTERM / Ctrl-C. Serves /metrics (Prometheus) and /health on",
                "hyperrec.metrics.host:port (127.0.0.1:9464 by default).",
                "Every key (docs/operations.md) can come from --config, HYPERREC_<KEY> or -D KEY=VALUE;",
                "precedence: flags > environment > file > defaults. --print-config shows where each value came from."})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    HyperrecCli parent;
    @Spec
    CommandSpec spec;
    @Mixin
    ConfigOptions config;

    @Option(names = "--application-id", paramLabel = "ID", description = "Kafka Streams application.id (default: hyperrec)")
    String applicationId;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state.dir")
    String stateDir;
    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", description = "operator backend (" + HyperrecConfig.BACKEND + ", default: auto)")
    String backend;
    @Option(names = "--role", paramLabel = "all|lists|model",
            description = "what this process runs: the lists and the model beside them, the lists only, or the item-to-item"
                    + " model only (" + HyperrecConfig.ROLE + ", default: all)")
    String role;
    @Option(names = "--metrics-host", paramLabel = "ADDRESS",
            description = "address of the metrics and health endpoint (" + HyperrecConfig.METRICS_HOST + ", default: 127.0.0.1)")
    String metricsHost;
    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "its port; 0 = any free port, -1 = off (" + HyperrecConfig.METRICS_PORT + ", default: 9464)")
    Integer metricsPort;
    @Option(names = "--create-topics", description = "create missing topics and register the schemas at start (" + HyperrecConfig.TOPICS_CREATE + "=true)")
    Boolean createTopics;
    @Option(names = "--print-config", description = "print the effective configuration with each value's origin and exit")
    boolean printConfig;

    @Override
    public Integer call() throws Exception {
        ConfigSources.Resolved resolved = resolve();
        HyperrecConfig c = resolved.config();
        if (printConfig) {
            spec.commandLine().getOut().print(resolved.describe());
            spec.commandLine().getOut().flush();
            return 0;
        }
        HyperrecApp.runUntilShutdown(c);
        return 0;
    }

    ConfigSources.Resolved resolve() {
        Map<String, Object> more = new LinkedHashMap<>();
        more.put("application.id", applicationId);
        more.put("state.dir", stateDir);
        more.put(HyperrecConfig.BACKEND, backend);
        more.put(HyperrecConfig.ROLE, role);
        more.put(HyperrecConfig.METRICS_HOST, metricsHost);
        more.put(HyperrecConfig.METRICS_PORT, metricsPort);
        more.put(HyperrecConfig.TOPICS_CREATE, createTopics == null ? null : createTopics.toString());
        return config.resolve(Map.of(), parent.env, more);
    }
}
