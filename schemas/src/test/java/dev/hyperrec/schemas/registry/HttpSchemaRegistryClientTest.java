package dev.hyperrec.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.schemas.RegistrySerdeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST client against a hand-written in-process fake registry (JDK HTTP server). */
class HttpSchemaRegistryClientTest {

  private static final String USER_INFO = "alice:s3cr:et!";
  private static final String SECRET = "s3cr:et!";

  private FakeRegistryServer server;

  @BeforeEach
  void start() throws IOException {
    server = FakeRegistryServer.http();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpSchemaRegistryClient client() {
    return HttpSchemaRegistryClient.builder(server.url()).build();
  }

  @Test
  void basicAuthHeaderIsExactlyBasicBase64OfUserInfo() {
    try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.fromConfig(Map.of(
        RegistrySerdeConfig.SCHEMA_REGISTRY_URL, server.url(),
        RegistrySerdeConfig.BASIC_AUTH_USER_INFO, USER_INFO))) {
      client.register("t-value", InteractionEvent.getClassSchema());
    }
    // base64("alice:s3cr:et!")
    assertThat(server.lastRequest().header("Authorization")).isEqualTo("Basic YWxpY2U6czNjcjpldCE=");
  }

  @Test
  void noAuthorizationHeaderWithoutUserInfo() {
    try (HttpSchemaRegistryClient client = client()) {
      client.register("t-value", InteractionEvent.getClassSchema());
    }
    assertThat(server.lastRequest().header("Authorization")).isNull();
  }

  @Test
  void theSecretNeverAppearsInToStringOrErrors() {
    HttpSchemaRegistryClient client = HttpSchemaRegistryClient.builder(server.url())
        .basicAuthUserInfo(USER_INFO).build();
    assertThat(client.toString()).contains("basicAuth=[redacted]").doesNotContain(SECRET)
        .doesNotContain("YWxpY2U6czNjcjpldCE=").doesNotContain("alice");

    server.failNext(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(1));
    assertThat(e.httpStatus()).isEqualTo(401);
    assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("YWxpY2U6czNjcjpldCE=");

    assertThatThrownBy(() -> HttpSchemaRegistryClient.builder(server.url()).basicAuthUserInfo("no-colon-secret"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("user:password")
        .hasMessageNotContaining("no-colon-secret");
    assertThatThrownBy(() -> HttpSchemaRegistryClient.builder("http://bob:hunter2@127.0.0.1:1"))
        .isInstanceOf(ConfigException.class).hasMessageNotContaining("hunter2");
  }

  @Test
  void registerPostsTheSchemaJsonWithTheRegistryContentType() throws IOException {
    int id;
    try (HttpSchemaRegistryClient client = client()) {
      id = client.register("interactions-value", InteractionEvent.getClassSchema());
    }
    FakeRegistryServer.Request r = server.lastRequest();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/subjects/interactions-value/versions");
    assertThat(r.header("Content-Type")).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(r.header("Accept")).startsWith("application/vnd.schemaregistry.v1+json");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("schema").asText())
        .isEqualTo(InteractionEvent.getClassSchema().toString());
    assertThat(id).isEqualTo(1);
    assertThat(server.registry().getById(id)).isEqualTo(InteractionEvent.getClassSchema());
  }

  @Test
  void cachesBothWays() {
    int otherId = server.registry().register("catalog-value", CatalogItem.getClassSchema());
    try (HttpSchemaRegistryClient client = client()) {
      int id = client.register("interactions-value", InteractionEvent.getClassSchema());
      assertThat(client.register("interactions-value", InteractionEvent.getClassSchema())).isEqualTo(id);
      assertThat(client.getId("interactions-value", InteractionEvent.getClassSchema())).isEqualTo(id);
      assertThat(client.getById(id)).isEqualTo(InteractionEvent.getClassSchema());
      assertThat(server.requests()).hasSize(1);

      assertThat(client.getById(otherId)).isEqualTo(CatalogItem.getClassSchema());
      assertThat(client.getById(otherId)).isEqualTo(CatalogItem.getClassSchema());
      assertThat(server.requests()).hasSize(2);
      assertThat(server.lastRequest().method()).isEqualTo("GET");
      assertThat(server.lastRequest().path()).isEqualTo("/schemas/ids/" + otherId);

      // the same schema under another subject is another registration
      client.register("interactions2-value", InteractionEvent.getClassSchema());
      assertThat(server.requests()).hasSize(3);
    }
  }

  @Test
  void lookUpWithoutRegistering() {
    int id = server.registry().register("catalog-value", CatalogItem.getClassSchema());
    try (HttpSchemaRegistryClient client = client()) {
      assertThat(client.getId("catalog-value", CatalogItem.getClassSchema())).isEqualTo(id);
      assertThat(server.lastRequest().path()).isEqualTo("/subjects/catalog-value");
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.getId("catalog-value", InteractionEvent.getClassSchema()));
      assertThat(e.isNotFound()).isTrue();
      assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    }
    assertThat(server.registry().versions("catalog-value")).hasSize(1);
  }

  @Test
  void errorsCarryStatusErrorCodeAndTheRegistryMessage() {
    try (HttpSchemaRegistryClient client = client()) {
      SchemaRegistryException notFound = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(77));
      assertThat(notFound.httpStatus()).isEqualTo(404);
      assertThat(notFound.errorCode()).isEqualTo(40403);
      assertThat(notFound.isNotFound()).isTrue();
      assertThat(notFound.isRetriable()).isFalse();
      assertThat(notFound.getMessage())
          .contains("fetch schema id 77").contains("HTTP 404").contains("error code 40403")
          .contains("Schema id 77 not found").contains("GET " + server.url() + "/schemas/ids/77");

      server.failNext(500, "<html>upstream broke</html>");
      SchemaRegistryException broken = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.register("x-value", CatalogItem.getClassSchema()));
      assertThat(broken.httpStatus()).isEqualTo(500);
      assertThat(broken.errorCode()).isEqualTo(SchemaRegistryException.NO_ERROR_CODE);
      assertThat(broken.isRetriable()).isTrue();
      assertThat(broken.getMessage()).contains("HTTP 500").contains("upstream broke");

      server.failNext(200, "{\"schema\": \"not avro\"}");
      SchemaRegistryException bad = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(5));
      assertThat(bad.getMessage()).contains("Schema id 5 is not a valid Avro schema");

      server.failNext(200, "{\"schema\": \"{}\", \"schemaType\": \"JSON\"}");
      assertThatThrownBy(() -> client.getById(6)).hasMessageContaining("JSON schema, not Avro");
    }
  }

  @Test
  void compatibilityLevels() {
    try (HttpSchemaRegistryClient client = client()) {
      assertThat(client.getCompatibility("interactions-value")).isEmpty();
      client.setCompatibility("interactions-value", "backward");
      assertThat(server.lastRequest().method()).isEqualTo("PUT");
      assertThat(server.lastRequest().path()).isEqualTo("/config/interactions-value");
      assertThat(server.lastRequest().body()).isEqualTo("{\"compatibility\":\"BACKWARD\"}");
      assertThat(client.getCompatibility("interactions-value")).contains("BACKWARD");
      assertThatThrownBy(() -> client.setCompatibility("interactions-value", "SIDEWAYS"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BACKWARD_TRANSITIVE");

      client.register("interactions-value", InteractionEvent.getClassSchema());
      Schema incompatible = SchemaBuilderHelper.withRequiredField(InteractionEvent.getClassSchema(), "region");
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
          () -> client.register("interactions-value", incompatible));
      assertThat(e.isIncompatible()).isTrue();
      assertThat(e.errorCode()).isEqualTo(409);
      assertThat(e.getMessage()).contains("HTTP 409").contains("incompatible").contains("region");
    }
  }

  @Test
  void subjectsArePathEncoded() {
    try (HttpSchemaRegistryClient client = client()) {
      client.register("odd topic/ä-value", CatalogItem.getClassSchema());
    }
    assertThat(server.lastRequest().path()).isEqualTo("/subjects/odd%20topic%2F%C3%A4-value/versions");
    assertThat(server.registry().subjects()).containsExactly("odd topic/ä-value");
  }

  @Test
  void failsOverToTheNextUrlAndRemembersIt() throws IOException {
    String dead = "http://127.0.0.1:" + deadPort();
    try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.builder(dead + "/, " + server.url())
        .connectTimeout(Duration.ofSeconds(2)).build()) {
      assertThat(client.baseUrls()).containsExactly(dead, server.url());
      client.register("a-value", CatalogItem.getClassSchema());
      client.register("b-value", CatalogItem.getClassSchema());
    }
    assertThat(server.requests()).hasSize(2);
  }

  @Test
  void unreachableRegistryIsRetriableWithNoResponse() throws IOException {
    try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.builder("http://127.0.0.1:" + deadPort())
        .connectTimeout(Duration.ofSeconds(2)).build()) {
      SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(1));
      assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_RESPONSE);
      assertThat(e.isRetriable()).isTrue();
      assertThat(e.getMessage()).contains("Schema registry unavailable").contains("fetch schema id 1");
    }
  }

  @Test
  void useAfterCloseFails() {
    HttpSchemaRegistryClient client = client();
    client.close();
    client.close();
    assertThatThrownBy(() -> client.getById(1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tlsWithATruststore(@TempDir Path dir) throws Exception {
    Path keystore = dir.resolve("server.p12");
    Path truststore = dir.resolve("trust.jks");
    Path cert = dir.resolve("server.crt");
    keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
    keytool("-exportcert", "-alias", "registry", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "registry", "-file", cert.toString(),
        "-keystore", truststore.toString(), "-storetype", "JKS", "-storepass", "trustpass");

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);

    try (FakeRegistryServer https = FakeRegistryServer.https(serverContext)) {
      assertThat(https.url()).startsWith("https://");
      try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.fromConfig(Map.of(
          RegistrySerdeConfig.SCHEMA_REGISTRY_URL, https.url(),
          RegistrySerdeConfig.SSL_TRUSTSTORE_LOCATION, truststore.toString(),
          RegistrySerdeConfig.SSL_TRUSTSTORE_PASSWORD, "trustpass"))) {
        assertThat(client.register("tls-value", CatalogItem.getClassSchema())).isEqualTo(1);
        assertThat(client.toString()).contains("tls=custom truststore").doesNotContain("trustpass");
      }
      // the explicit type path, and the PKCS12 keystore itself as a truststore
      try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.builder(https.url())
          .truststore(keystore, "changeit".toCharArray(), "PKCS12").build()) {
        assertThat(client.getById(1)).isEqualTo(CatalogItem.getClassSchema());
      }
      // without the truststore the JVM's default trust refuses the self-signed certificate
      try (HttpSchemaRegistryClient client = HttpSchemaRegistryClient.builder(https.url()).build()) {
        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(1));
        assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_RESPONSE);
      }
    }
    assertThatThrownBy(() -> HttpSchemaRegistryClient.fromConfig(Map.of(
        RegistrySerdeConfig.SCHEMA_REGISTRY_URL, "https://127.0.0.1:1",
        RegistrySerdeConfig.SSL_TRUSTSTORE_LOCATION, truststore.toString(),
        RegistrySerdeConfig.SSL_TRUSTSTORE_PASSWORD, "wrong-password-xyz")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("trust.jks")
        .hasMessageNotContaining("wrong-password-xyz");
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("keytool %s: %s", args[0], out).isZero();
  }

  static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
