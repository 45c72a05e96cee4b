package dev.hyperrec.schemas.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/** Builds an {@link SSLContext} that trusts the certificates of one truststore file. */
public final class SslContexts {

  private SslContexts() {
  }

  /**
   * @param type {@code JKS}, {@code PKCS12}, or {@code null} to detect it from the file
   */
  public static SSLContext trusting(Path truststore, char[] password, String type) {
    if (!Files.isRegularFile(truststore)) {
      throw new ConfigException("Truststore " + truststore.toAbsolutePath() + " does not exist or is not a file");
    }
    try {
      KeyStore ks;
      if (type == null) {
        ks = KeyStore.getInstance(truststore.toFile(), password);
      } else {
        ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(truststore)) {
          ks.load(in, password);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      // the cause's message names the problem (wrong password, bad format) but never the password itself
      ConfigException ce = new ConfigException(
          "Cannot load truststore " + truststore.toAbsolutePath() + (type == null ? "" : " (type " + type + ")")
              + ": " + e);
      ce.initCause(e);
      throw ce;
    }
  }
}
