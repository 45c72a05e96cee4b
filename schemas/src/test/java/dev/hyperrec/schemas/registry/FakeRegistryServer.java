package dev.hyperrec.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;

/**
 * A hand-written fake of Confluent's Schema Registry REST API on the JDK's HTTP server, backed by an
 * {@link InMemorySchemaRegistryClient} for the semantics. It records every request and can be told to answer
 * the next requests with a canned status and body.
 */
final class FakeRegistryServer implements AutoCloseable {

  /** One request as the server saw it. */
  record Request(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  private record Canned(int status, String body) {
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient(1);
  private final List<Request> requests = new ArrayList<>();
  private final Deque<Canned> canned = new ArrayDeque<>();

  private FakeRegistryServer(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.start();
  }

  static FakeRegistryServer http() throws IOException {
    return new FakeRegistryServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
  }

  static FakeRegistryServer https(SSLContext serverContext) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(serverContext));
    return new FakeRegistryServer(s);
  }

  String url() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://127.0.0.1:" + server.getAddress().getPort();
  }

  InMemorySchemaRegistryClient registry() {
    return registry;
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  synchronized Request lastRequest() {
    return requests.get(requests.size() - 1);
  }

  /** The next request is answered with this status and body, whatever it asks. */
  synchronized void failNext(int status, String body) {
    canned.add(new Canned(status, body));
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = ex.getRequestURI().getRawPath();
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(ex.getRequestHeaders());
    Canned answer;
    synchronized (this) {
      requests.add(new Request(ex.getRequestMethod(), path, headers, body));
      answer = canned.poll();
    }
    if (answer == null) {
      try {
        answer = new Canned(200, route(ex.getRequestMethod(), path, body));
      } catch (SchemaRegistryException e) {
        ObjectNode error = JSON.createObjectNode().put("error_code", e.errorCode()).put("message", e.getMessage());
        answer = new Canned(e.httpStatus(), error.toString());
      } catch (RuntimeException e) {
        ObjectNode error = JSON.createObjectNode().put("error_code", 42201).put("message", e.toString());
        answer = new Canned(422, error.toString());
      }
    }
    byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", HttpSchemaRegistryClient.CONTENT_TYPE);
    ex.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  private String route(String method, String path, String body) {
    String[] p = path.substring(1).split("/");
    if (method.equals("POST") && p.length == 3 && p[0].equals("subjects") && p[2].equals("versions")) {
      int id = registry.register(decode(p[1]), schemaOf(body));
      return JSON.createObjectNode().put("id", id).toString();
    }
    if (method.equals("POST") && p.length == 2 && p[0].equals("subjects")) {
      int id = registry.getId(decode(p[1]), schemaOf(body));
      return JSON.createObjectNode().put("subject", decode(p[1])).put("id", id).put("version", 1)
          .put("schema", registry.getById(id).toString()).toString();
    }
    if (method.equals("GET") && p.length == 3 && p[0].equals("schemas") && p[1].equals("ids")) {
      return JSON.createObjectNode().put("schema", registry.getById(Integer.parseInt(p[2])).toString()).toString();
    }
    if (method.equals("PUT") && p.length == 2 && p[0].equals("config")) {
      String level = readTree(body).get("compatibility").asText();
      registry.setCompatibility(decode(p[1]), level);
      return JSON.createObjectNode().put("compatibility", level).toString();
    }
    if (method.equals("GET") && p.length == 2 && p[0].equals("config")) {
      String level = registry.getCompatibility(decode(p[1])).orElseThrow(() -> new SchemaRegistryException(404,
          40408, "Subject '" + decode(p[1]) + "' does not have subject-level compatibility configured"));
      return JSON.createObjectNode().put("compatibilityLevel", level).toString();
    }
    throw new SchemaRegistryException(404, 404, "HTTP 404 Not Found: " + method + " " + path);
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment, StandardCharsets.UTF_8);
  }

  private static Schema schemaOf(String body) {
    return new Schema.Parser().parse(readTree(body).get("schema").asText());
  }

  private static JsonNode readTree(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("Bad JSON body: " + body, e);
    }
  }
}
