package dev.hyperrec.schemas.registry;

import org.apache.kafka.common.KafkaException;

/**
 * A schema registry call failed. Carries the HTTP status and the registry's {@code error_code} (Confluent's
 * codes; Apicurio's ccompat API uses the same) so callers can tell "not found" from "unreachable" from
 * "incompatible". Messages never contain credentials.
 */
public class SchemaRegistryException extends KafkaException {

  private static final long serialVersionUID = 1L;

  /** {@link #httpStatus()} when no HTTP response arrived (connection refused, timeout, interrupt). */
  public static final int NO_RESPONSE = -1;
  /** {@link #errorCode()} when the response carried none. */
  public static final int NO_ERROR_CODE = -1;

  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

  private final int httpStatus;
  private final int errorCode;

  public SchemaRegistryException(int httpStatus, int errorCode, String message) {
    this(httpStatus, errorCode, message, null);
  }

  public SchemaRegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** The HTTP status, or {@link #NO_RESPONSE}. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The registry's {@code error_code}, or {@link #NO_ERROR_CODE}. */
  public int errorCode() {
    return errorCode;
  }

  /** The subject, version or schema id does not exist (HTTP 404). */
  public boolean isNotFound() {
    return httpStatus == 404;
  }

  /** The schema was refused by the subject's compatibility rule (HTTP 409). */
  public boolean isIncompatible() {
    return httpStatus == 409;
  }

  /**
   * Trying again later may succeed: no response, a timeout (408), throttling (429) or a server error (5xx).
   */
  public boolean isRetriable() {
    return httpStatus == NO_RESPONSE || httpStatus == 408 || httpStatus == 429 || httpStatus >= 500;
  }
}
