package dev.hyperrec.topology.cli;

import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.topology.ConfigSources;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.SchemaSetup;
import dev.hyperrec.topology.TopicSetup;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hyperrec topics create|verify}: hyperrec's topics with the right partitions, compaction and configs (docs/topics.md). */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = {"Creates or verifies hyperrec's topics (partitions, compaction, configs).",
                "Topics (docs/topics.md): interactions, recommendation-requests,",
                "recommendations (compacted) and interactions-dlq with hyperrec.topics.partitions partitions (co-partitioned",
                "by userId); catalog (compacted) with one; every one with hyperrec.topics.replication replicas."})
final class TopicsCommand implements Callable<Integer> {
    @ParentCommand
    HyperrecCli parent;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (create or verify)");
    }

    /** Flags shared by create and verify. */
    static final class TopicOptions {
        @Mixin
        ConfigOptions config;
        @Option(names = "--partitions", paramLabel = "N", description = "partitions of the user-keyed topics (" + HyperrecConfig.TOPICS_PARTITIONS + ", default: 6)")
        Integer partitions;
        @Option(names = "--replication", paramLabel = "N", description = "replication factor (" + HyperrecConfig.TOPICS_REPLICATION + ", default: 1)")
        Integer replication;

        HyperrecConfig resolve(Map<String, String> env) {
            Map<String, Object> more = new LinkedHashMap<>();
            more.put(HyperrecConfig.TOPICS_PARTITIONS, partitions);
            more.put(HyperrecConfig.TOPICS_REPLICATION, replication);
            ConfigSources.Resolved r = config.resolve(Map.of(), env, more);
            HyperrecConfig c = r.config();
            if (c.get("bootstrap.servers") == null) {
                throw new IllegalArgumentException("no Kafka cluster: pass --bootstrap-servers, set HYPERREC_BOOTSTRAP_SERVERS"
                        + " or bootstrap.servers in the --config file");
            }
            return c;
        }
    }

    /** Prints every problem; returns the exit code (1 when there is one). */
    static int report(PrintWriter out, List<String> problems) {
        problems.forEach(p -> out.println("problem: " + p));
        return problems.isEmpty() ? 0 : 1;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Creates the missing topics (existing ones are left as they are), waits until their partitions",
                    "have leaders, then verifies all of them. Last line: topics: created=<n> existing=<n> problems=<n>.",
                    "Exit code 1 when an existing topic differs (e.g. another partition count)."})
    static final class Create implements Callable<Integer> {
        @ParentCommand
        TopicsCommand parent;
        @Spec
        CommandSpec spec;
        @Mixin
        TopicOptions options;
        @Option(names = "--register-schemas",
                description = "also register the value schemas with BACKWARD compatibility (needs schema.registry.url)")
        boolean registerSchemas;

        @Override
        public Integer call() throws Exception {
            HyperrecConfig c = options.resolve(parent.parent.env);
            PrintWriter out = spec.commandLine().getOut();
            String prefix = c.get(HyperrecConfig.TOPIC_PREFIX);
            int partitions = c.getInt(HyperrecConfig.TOPICS_PARTITIONS);
            short replication = (short) c.getInt(HyperrecConfig.TOPICS_REPLICATION);
            List<String> problems;
            Set<String> created;
            try (Admin admin = Admin.create(c.adminConfig())) {
                created = TopicSetup.ensure(admin, prefix, partitions, replication);
                for (NewTopic t : TopicSetup.topics(prefix, partitions, replication)) {
                    out.println((created.contains(t.name()) ? "created  " : "exists   ") + t.name());
                }
                problems = TopicSetup.verify(admin, prefix, partitions, replication);
            }
            if (registerSchemas) {
                if (c.get("schema.registry.url") == null) {
                    throw new IllegalArgumentException("--register-schemas needs schema.registry.url (--schema-registry-url)");
                }
                try (HttpSchemaRegistryClient registry = HttpSchemaRegistryClient.fromConfig(c.serdeConfig())) {
                    SchemaSetup.ensure(registry, c);
                }
                out.println("schemas registered (BACKWARD)");
            }
            int rc = report(out, problems);
            out.printf("topics: created=%d existing=%d problems=%d%n", created.size(),
                    TopicSetup.topics(prefix, partitions, replication).size() - created.size(), problems.size());
            out.flush();
            return rc;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Checks that every topic exists with the expected partitions, replication, cleanup.policy and",
                    "max.message.bytes; changes nothing. Last line: topics: verified=<n> problems=<n>; exit code 1 on a problem."})
    static final class Verify implements Callable<Integer> {
        @ParentCommand
        TopicsCommand parent;
        @Spec
        CommandSpec spec;
        @Mixin
        TopicOptions options;

        @Override
        public Integer call() {
            HyperrecConfig c = options.resolve(parent.parent.env);
            PrintWriter out = spec.commandLine().getOut();
            String prefix = c.get(HyperrecConfig.TOPIC_PREFIX);
            int partitions = c.getInt(HyperrecConfig.TOPICS_PARTITIONS);
            short replication = (short) c.getInt(HyperrecConfig.TOPICS_REPLICATION);
            List<String> problems;
            try (Admin admin = Admin.create(c.adminConfig())) {
                problems = TopicSetup.verify(admin, prefix, partitions, replication);
            }
            int rc = report(out, problems);
            out.printf("topics: verified=%d problems=%d%n", TopicSetup.topics(prefix, partitions, replication).size(), problems.size());
            out.flush();
            return rc;
        }
    }
}
