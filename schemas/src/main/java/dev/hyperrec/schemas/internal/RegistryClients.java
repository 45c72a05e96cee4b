package dev.hyperrec.schemas.internal;

import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.registry.HttpSchemaRegistryClient;
import dev.hyperrec.schemas.registry.InMemorySchemaRegistryClient;
import dev.hyperrec.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Picks the registry client a Serde configuration names. */
public final class RegistryClients {

  /** A client and whether its user must close it. */
  public record Resolved(SchemaRegistryClient client, boolean owned) {
  }

  private RegistryClients() {
  }

  public static Resolved fromConfig(Map<String, ?> config) {
    String url = ConfigValues.string(config, RegistrySerdeConfig.SCHEMA_REGISTRY_URL);
    if (url == null) {
      throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL + " is required (an http(s) URL of a"
          + " Confluent-compatible registry, or " + RegistrySerdeConfig.MOCK_SCHEME + "<scope> for an in-process one)");
    }
    if (url.startsWith(RegistrySerdeConfig.MOCK_SCHEME)) {
      String scope = url.substring(RegistrySerdeConfig.MOCK_SCHEME.length());
      return new Resolved(InMemorySchemaRegistryClient.forScope(scope), false);
    }
    return new Resolved(HttpSchemaRegistryClient.fromConfig(config), true);
  }
}
