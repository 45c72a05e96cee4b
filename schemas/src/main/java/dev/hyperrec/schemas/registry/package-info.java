/**
 * Confluent Schema Registry REST API: the {@link dev.hyperrec.schemas.registry.SchemaRegistryClient} interface,
 * its HTTP implementation, an in-process implementation for tests and the demo, TopicNameStrategy subject
 * names, and {@link dev.hyperrec.schemas.registry.LocalApicurioRegistry}, which runs Apicurio Registry (whose
 * {@code /apis/ccompat/v7} speaks that API) as a child process where there is no Docker.
 */
package dev.hyperrec.schemas.registry;
