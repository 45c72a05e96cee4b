package dev.hyperrec.schemas.registry;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that provides a {@link RegistryEndpoint} parameter: the registry named by system property
 * {@value #URL_PROPERTY} when set (e.g. a real Confluent Schema Registry), else a {@link LocalApicurioRegistry}
 * started from {@link LocalApicurioRegistry#locate()} once per test JVM (root store) and stopped when the JVM's
 * tests are done. Shipped in the schemas test-jar for other modules' ITs.
 *
 * <pre>{@code
 * @ExtendWith(ApicurioRegistryExtension.class)
 * class MyIT {
 *   @Test void t(RegistryEndpoint registry) { ... registry.url() ... }
 * }
 * }</pre>
 */
public final class ApicurioRegistryExtension implements ParameterResolver {

  /** System property naming an external registry's Confluent-API URL; then nothing is started. */
  public static final String URL_PROPERTY = "hyperrec.registry.url";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ApicurioRegistryExtension.class);

  /** The endpoint of this test JVM's registry, starting it on first use. */
  public static RegistryEndpoint endpoint(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(Handle.class, k -> Handle.open(), Handle.class).endpoint;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RegistryEndpoint.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return endpoint(context);
  }

  private static final class Handle implements ExtensionContext.Store.CloseableResource {
    final RegistryEndpoint endpoint;
    final LocalApicurioRegistry registry;

    private Handle(RegistryEndpoint endpoint, LocalApicurioRegistry registry) {
      this.endpoint = endpoint;
      this.registry = registry;
    }

    static Handle open() {
      String external = System.getProperty(URL_PROPERTY);
      if (external != null && !external.isBlank()) {
        return new Handle(new RegistryEndpoint(external.trim(), false), null);
      }
      LocalApicurioRegistry registry = LocalApicurioRegistry.start(LocalApicurioRegistry.locate());
      return new Handle(new RegistryEndpoint(registry.ccompatUrl(), true), registry);
    }

    @Override
    public void close() {
      if (registry != null) {
        registry.close();
      }
    }
  }
}
