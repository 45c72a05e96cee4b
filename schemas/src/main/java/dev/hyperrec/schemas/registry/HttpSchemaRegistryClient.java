package dev.hyperrec.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hyperrec.schemas.RegistrySerdeConfig;
import dev.hyperrec.schemas.internal.ConfigValues;
import dev.hyperrec.schemas.internal.SslContexts;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over Confluent's Schema Registry REST API, with {@link HttpClient} and Jackson.
 * Works with Confluent Schema Registry and with Apicurio Registry's ccompat API
 * ({@code http://host:port/apis/ccompat/v7}).
 *
 * <p>Requests: {@code POST /subjects/{subject}/versions} (register), {@code POST /subjects/{subject}} (look
 * up), {@code GET /schemas/ids/{id}}, {@code PUT|GET /config/{subject}}; content type
 * {@value #CONTENT_TYPE}. Results are cached both ways (schema → id per subject, id → schema) for the life of
 * the client; failures are not cached.
 *
 * <p>Several base URLs may be given; on a connection failure or timeout the next one is tried, and the one
 * that answered is used first from then on. HTTP errors are not retried: they surface as
 * {@link SchemaRegistryException} with the status, the registry's error code and its message.
 *
 * <p>The basic-auth secret is kept only inside the {@code Authorization} header value; it is never logged and
 * {@link #toString()} redacts it. Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_MESSAGE_CHARS = 500;

  private final List<String> baseUrls;
  private final String authorization;
  private final boolean tls;
  private final Duration requestTimeout;
  private final HttpClient http;
  private final boolean ownsHttp;
  private final AtomicInteger preferredUrl = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  private HttpSchemaRegistryClient(Builder b) {
    this.baseUrls = List.copyOf(b.baseUrls);
    this.authorization = b.userInfo == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(b.userInfo.getBytes(StandardCharsets.UTF_8));
    this.requestTimeout = b.requestTimeout;
    if (b.httpClient != null) {
      this.http = b.httpClient;
      this.ownsHttp = false;
      this.tls = b.httpClient.sslContext() != null && baseUrls.stream().anyMatch(u -> u.startsWith("https:"));
    } else {
      HttpClient.Builder hb = HttpClient.newBuilder()
          .connectTimeout(b.connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1);
      if (b.sslContext != null) {
        hb.sslContext(b.sslContext);
      }
      this.http = hb.build();
      this.ownsHttp = true;
      this.tls = b.sslContext != null;
    }
    LOG.debug("Created {}", this);
  }

  /** A builder for the given base URL(s), comma-separated. */
  public static Builder builder(String baseUrls) {
    return new Builder(baseUrls);
  }

  /**
   * A client configured from the keys of {@link RegistrySerdeConfig}: {@code schema.registry.url} (required),
   * {@code basic.auth.user.info}, {@code schema.registry.ssl.truststore.location|password|type},
   * {@code schema.registry.connect.timeout.ms}, {@code schema.registry.request.timeout.ms}.
   */
  public static HttpSchemaRegistryClient fromConfig(Map<String, ?> config) {
    String url = ConfigValues.string(config, RegistrySerdeConfig.SCHEMA_REGISTRY_URL);
    if (url == null) {
      throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL + " is required (e.g. http://127.0.0.1:8081"
          + " or Apicurio's http://127.0.0.1:8080/apis/ccompat/v7)");
    }
    Builder b = builder(url)
        .connectTimeout(Duration.ofMillis(ConfigValues.positiveInt(config, RegistrySerdeConfig.CONNECT_TIMEOUT_MS,
            RegistrySerdeConfig.DEFAULT_CONNECT_TIMEOUT_MS)))
        .requestTimeout(Duration.ofMillis(ConfigValues.positiveInt(config, RegistrySerdeConfig.REQUEST_TIMEOUT_MS,
            RegistrySerdeConfig.DEFAULT_REQUEST_TIMEOUT_MS)));
    String userInfo = ConfigValues.secret(config, RegistrySerdeConfig.BASIC_AUTH_USER_INFO);
    if (userInfo != null) {
      b.basicAuthUserInfo(userInfo);
    }
    String truststore = ConfigValues.string(config, RegistrySerdeConfig.SSL_TRUSTSTORE_LOCATION);
    if (truststore != null) {
      String password = ConfigValues.secret(config, RegistrySerdeConfig.SSL_TRUSTSTORE_PASSWORD);
      b.truststore(Path.of(truststore), password == null ? null : password.toCharArray(),
          ConfigValues.string(config, RegistrySerdeConfig.SSL_TRUSTSTORE_TYPE));
    }
    return b.build();
  }

  @Override
  public int register(String subject, Schema schema) {
    checkSubject(subject);
    Objects.requireNonNull(schema, "schema");
    Integer cached = idsBySubject.getOrDefault(subject, Map.of()).get(schema);
    if (cached != null) {
      return cached;
    }
    JsonNode response = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema),
        "register schema " + schema.getFullName() + " under subject '" + subject + "'");
    int id = requireInt(response, "id", "register under subject '" + subject + "'");
    remember(subject, schema, id);
    LOG.debug("Registered schema {} under subject {} as id {}", schema.getFullName(), subject, id);
    return id;
  }

  @Override
  public int getId(String subject, Schema schema) {
    checkSubject(subject);
    Objects.requireNonNull(schema, "schema");
    Integer cached = idsBySubject.getOrDefault(subject, Map.of()).get(schema);
    if (cached != null) {
      return cached;
    }
    JsonNode response = call("POST", "/subjects/" + encode(subject), schemaBody(schema),
        "look up schema " + schema.getFullName() + " under subject '" + subject + "'");
    int id = requireInt(response, "id", "look-up under subject '" + subject + "'");
    remember(subject, schema, id);
    return id;
  }

  @Override
  public Schema getById(int id) {
    checkOpen();
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    String what = "fetch schema id " + id;
    JsonNode response = call("GET", "/schemas/ids/" + id, null, what);
    JsonNode type = response.get("schemaType");
    if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
      throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
          "Schema id " + id + " is a " + type.asText() + " schema, not Avro");
    }
    JsonNode text = response.get("schema");
    if (text == null || !text.isTextual()) {
      throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
          "Registry answer to " + what + " has no 'schema' string");
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.asText());
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
          "Schema id " + id + " is not a valid Avro schema: " + e.getMessage(), e);
    }
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  @Override
  public void setCompatibility(String subject, String level) {
    checkSubject(subject);
    CompatibilityLevel parsed = CompatibilityLevel.parse(level);
    ObjectNode body = JSON.createObjectNode().put("compatibility", parsed.name());
    call("PUT", "/config/" + encode(subject), body.toString(),
        "set compatibility " + parsed + " on subject '" + subject + "'");
  }

  @Override
  public Optional<String> getCompatibility(String subject) {
    checkSubject(subject);
    JsonNode response;
    try {
      response = call("GET", "/config/" + encode(subject), null, "get compatibility of subject '" + subject + "'");
    } catch (SchemaRegistryException e) {
      if (e.isNotFound()) {
        return Optional.empty();
      }
      throw e;
    }
    JsonNode level = response.get("compatibilityLevel");
    if (level == null || level.isNull()) {
      level = response.get("compatibility");
    }
    return level == null || level.isNull() ? Optional.empty() : Optional.of(level.asText());
  }

  /** The base URLs, without credentials. */
  public List<String> baseUrls() {
    return baseUrls;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    idsBySubject.clear();
    schemasById.clear();
    // HttpClient is AutoCloseable from JDK 21 on; on 17 its threads end when it becomes unreachable
    if (ownsHttp && http instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.debug("Closing the HTTP client failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "HttpSchemaRegistryClient{urls=" + baseUrls
        + ", basicAuth=" + (authorization == null ? "none" : "[redacted]")
        + ", tls=" + (tls ? "custom truststore" : "default")
        + ", requestTimeout=" + requestTimeout + "}";
  }

  // ---------------------------------------------------------------------------------------------------------

  private void remember(String subject, Schema schema, int id) {
    idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
    schemasById.putIfAbsent(id, schema);
  }

  private void checkSubject(String subject) {
    checkOpen();
    Objects.requireNonNull(subject, "subject");
    if (subject.isEmpty()) {
      throw new IllegalArgumentException("subject must not be empty");
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("HttpSchemaRegistryClient is closed");
    }
  }

  private static String schemaBody(Schema schema) {
    Objects.requireNonNull(schema, "schema");
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static int requireInt(JsonNode response, String field, String what) {
    JsonNode n = response.get(field);
    if (n == null || !n.canConvertToInt()) {
      throw new SchemaRegistryException(200, SchemaRegistryException.NO_ERROR_CODE,
          "Registry answer to " + what + " has no integer '" + field + "': " + abbreviate(response.toString()));
    }
    return n.intValue();
  }

  private JsonNode call(String method, String path, String body, String what) {
    checkOpen();
    IOException lastFailure = null;
    int start = preferredUrl.get();
    for (int attempt = 0; attempt < baseUrls.size(); attempt++) {
      int index = (start + attempt) % baseUrls.size();
      String url = baseUrls.get(index) + path;
      HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url))
          .timeout(requestTimeout)
          .header("Accept", CONTENT_TYPE + ", application/json");
      if (authorization != null) {
        rb.header("Authorization", authorization);
      }
      if (body != null) {
        rb.header("Content-Type", CONTENT_TYPE);
        rb.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      } else {
        rb.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> response;
      try {
        response = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        lastFailure = e;
        LOG.debug("Schema registry {} {} failed: {}", method, url, e.toString());
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_ERROR_CODE,
            "Interrupted while trying to " + what + " (" + method + " " + url + ")", e);
      }
      preferredUrl.set(index);
      return handle(method, url, what, response);
    }
    throw new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_ERROR_CODE,
        "Schema registry unavailable: cannot " + what + " at " + baseUrls + ": " + lastFailure, lastFailure);
  }

  private static JsonNode handle(String method, String url, String what, HttpResponse<String> response) {
    int status = response.statusCode();
    String text = response.body() == null ? "" : response.body();
    JsonNode json = null;
    try {
      json = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
    } catch (IOException e) {
      if (status / 100 == 2) {
        throw new SchemaRegistryException(status, SchemaRegistryException.NO_ERROR_CODE,
            "Registry answer to " + what + " is not JSON: " + abbreviate(text), e);
      }
    }
    if (status / 100 == 2) {
      return json;
    }
    int errorCode = SchemaRegistryException.NO_ERROR_CODE;
    String message = abbreviate(text);
    if (json != null) {
      JsonNode code = json.get("error_code");
      if (code != null && code.canConvertToInt()) {
        errorCode = code.intValue();
      }
      JsonNode m = json.get("message");
      if (m != null && !m.isNull()) {
        message = abbreviate(m.asText());
      }
    }
    throw new SchemaRegistryException(status, errorCode,
        "Schema registry refused to " + what + ": HTTP " + status
            + (errorCode == SchemaRegistryException.NO_ERROR_CODE ? "" : ", error code " + errorCode)
            + (message.isEmpty() ? "" : ": " + message) + " (" + method + " " + url + ")");
  }

  private static String abbreviate(String s) {
    String t = s.strip();
    return t.length() <= MAX_ERROR_MESSAGE_CHARS ? t : t.substring(0, MAX_ERROR_MESSAGE_CHARS) + "…";
  }

  /** Builder of {@link HttpSchemaRegistryClient}. */
  public static final class Builder {
    private final List<String> baseUrls = new ArrayList<>();
    private String userInfo;
    private SSLContext sslContext;
    private Duration connectTimeout = Duration.ofMillis(RegistrySerdeConfig.DEFAULT_CONNECT_TIMEOUT_MS);
    private Duration requestTimeout = Duration.ofMillis(RegistrySerdeConfig.DEFAULT_REQUEST_TIMEOUT_MS);
    private HttpClient httpClient;

    private Builder(String urls) {
      Objects.requireNonNull(urls, RegistrySerdeConfig.SCHEMA_REGISTRY_URL);
      for (String raw : urls.split(",")) {
        String u = raw.trim();
        if (!u.isEmpty()) {
          baseUrls.add(normalise(u));
        }
      }
      if (baseUrls.isEmpty()) {
        throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, urls, "no URL given");
      }
    }

    private static String normalise(String url) {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, redactUserInfo(url),
            "not a URL: " + e.getReason());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, redactUserInfo(url),
            "expected an http:// or https:// URL");
      }
      if (uri.getHost() == null) {
        throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, redactUserInfo(url), "no host");
      }
      if (uri.getRawUserInfo() != null) {
        throw new ConfigException(RegistrySerdeConfig.SCHEMA_REGISTRY_URL, redactUserInfo(url),
            "credentials in the URL are not supported; use " + RegistrySerdeConfig.BASIC_AUTH_USER_INFO);
      }
      String s = uri.toString();
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      return s;
    }

    private static String redactUserInfo(String url) {
      return url.replaceAll("//[^/@]*@", "//[redacted]@");
    }

    /** {@code user:password} for HTTP basic authentication. */
    public Builder basicAuthUserInfo(String userInfo) {
      Objects.requireNonNull(userInfo, RegistrySerdeConfig.BASIC_AUTH_USER_INFO);
      if (userInfo.indexOf(':') < 1) {
        // the value is a secret: say what is wrong without echoing it
        throw new ConfigException(RegistrySerdeConfig.BASIC_AUTH_USER_INFO
            + " must have the form user:password (value not shown)");
      }
      this.userInfo = userInfo;
      return this;
    }

    /** TLS trust for {@code https} URLs. */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * TLS trust from a truststore file.
     *
     * @param type {@code JKS}, {@code PKCS12}, or {@code null} to detect it
     */
    public Builder truststore(Path location, char[] password, String type) {
      return sslContext(SslContexts.trusting(location, password, type));
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Uses the given {@link HttpClient} (e.g. an instrumented one in tests) instead of building one; its own
     * TLS and connect-timeout settings then apply, and {@link #close()} leaves it open.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    public HttpSchemaRegistryClient build() {
      return new HttpSchemaRegistryClient(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
