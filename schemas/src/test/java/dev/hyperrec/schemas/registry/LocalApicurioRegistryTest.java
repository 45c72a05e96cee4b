package dev.hyperrec.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Locating and validating the distribution; starting it is covered by the ITs. */
class LocalApicurioRegistryTest {

  private String saved;

  @BeforeEach
  void save() {
    saved = System.getProperty(LocalApicurioRegistry.DIR_PROPERTY);
  }

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty(LocalApicurioRegistry.DIR_PROPERTY);
    } else {
      System.setProperty(LocalApicurioRegistry.DIR_PROPERTY, saved);
    }
  }

  @Test
  void theSystemPropertyWins(@TempDir Path dir) {
    System.setProperty(LocalApicurioRegistry.DIR_PROPERTY, dir.toString());
    assertThat(LocalApicurioRegistry.locate()).isEqualTo(dir.toAbsolutePath());
  }

  @Test
  void withNothingSetTheMessageSaysHowToGetIt() {
    assumeTrue(System.getenv(LocalApicurioRegistry.DIR_ENV) == null, "HYPERREC_REGISTRY_DIR is set");
    System.clearProperty(LocalApicurioRegistry.DIR_PROPERTY);
    assertThatThrownBy(LocalApicurioRegistry::locate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("hyperrec.registry.dir")
        .hasMessageContaining("HYPERREC_REGISTRY_DIR")
        .hasMessageContaining("io.apicurio:apicurio-registry-app:2.6.13.Final:zip:all")
        .hasMessageContaining("generate-resources");
  }

  @Test
  void aMissingDirectoryIsReported(@TempDir Path dir) {
    System.setProperty(LocalApicurioRegistry.DIR_PROPERTY, dir.resolve("absent").toString());
    assertThatThrownBy(LocalApicurioRegistry::locate)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("absent").hasMessageContaining("does not exist");
  }

  @Test
  void startRefusesADirectoryWithoutTheRunnerJar(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> LocalApicurioRegistry.start(dir))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("apicurio-registry-app-*-runner.jar");
    Files.createFile(dir.resolve("apicurio-registry-app-2.6.13.Final-runner.jar"));
    assertThatThrownBy(() -> LocalApicurioRegistry.start(dir))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("lib/");
  }
}
