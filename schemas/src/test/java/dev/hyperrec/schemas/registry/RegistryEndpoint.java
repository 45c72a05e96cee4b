package dev.hyperrec.schemas.registry;

/**
 * A registry reachable for a test run.
 *
 * @param url   Confluent-compatible API root, the Serdes' {@code schema.registry.url}
 * @param local whether it is a {@link LocalApicurioRegistry} started for the run (Apicurio semantics: ids are
 *              content ids) rather than an external registry
 */
public record RegistryEndpoint(String url, boolean local) {
}
