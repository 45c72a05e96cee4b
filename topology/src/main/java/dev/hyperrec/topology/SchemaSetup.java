package dev.hyperrec.topology;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import dev.hyperrec.schemas.registry.TopicNameStrategy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Registers hyperrec's value schemas under their TopicNameStrategy subjects and sets each subject's
 * compatibility to {@code BACKWARD} (docs/topics.md): consumers on a new schema read data written
 * with the previous one, so producers can add optional fields while the app runs, and the registry
 * refuses a change that would break that.
 */
public final class SchemaSetup {
    public static final String COMPATIBILITY = "BACKWARD";

    private SchemaSetup() {
    }

    /** Subject → schema of every topic hyperrec reads or writes. */
    public static Map<String, Schema> subjects(HyperrecConfig config) {
        Map<String, Schema> m = new LinkedHashMap<>();
        m.put(TopicNameStrategy.valueSubject(config.topic(Topics.INTERACTIONS)), InteractionEvent.getClassSchema());
        m.put(TopicNameStrategy.valueSubject(config.topic(Topics.CATALOG)), CatalogItem.getClassSchema());
        m.put(TopicNameStrategy.valueSubject(config.topic(Topics.REQUESTS)), RecommendationRequest.getClassSchema());
        m.put(TopicNameStrategy.valueSubject(config.topic(Topics.RECOMMENDATIONS)), Recommendations.getClassSchema());
        return m;
    }

    /** Registers the schemas (idempotent) and sets BACKWARD compatibility on their subjects. */
    public static void ensure(SchemaRegistryClient client, HyperrecConfig config) {
        subjects(config).forEach((subject, schema) -> {
            client.register(subject, schema);
            client.setCompatibility(subject, COMPATIBILITY);
        });
    }
}
