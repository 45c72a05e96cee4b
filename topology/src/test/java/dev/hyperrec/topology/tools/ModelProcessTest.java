package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.topology.HyperrecConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelProcessTest {

    @Test
    void theChildRunsTheAppsEntryPointOnItsPropertiesUnderNiceWhenAsked() {
        Path props = Path.of("/tmp/x/model.properties");
        List<String> plain = ModelProcess.command(props, null, 0, "2g");
        assertThat(plain.get(0)).endsWith("/bin/java");
        assertThat(plain).contains("-Xmx2g", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"))
                .endsWith("dev.hyperrec.topology.HyperrecApp", props.toString());
        List<String> niced = ModelProcess.command(props, "/usr/bin/nice", 10, "2g");
        assertThat(niced.subList(0, 3)).containsExactly("/usr/bin/nice", "-n", "10");
        assertThat(niced.subList(3, niced.size())).isEqualTo(plain);
    }

    @Test
    void theChildsConfigIsTheAppsWithTheModelsRoleNoEndpointAndNoTopicCreation() {
        HyperrecConfig app = HyperrecConfig.of(Map.of("application.id", "shop", HyperrecConfig.BACKEND, "cuda",
                HyperrecConfig.ROLE, "lists", HyperrecConfig.TOPICS_CREATE, "true", HyperrecConfig.NEIGHBOURS_THREADS, "4"));
        var p = ModelProcess.properties(app);
        assertThat(p.getProperty(HyperrecConfig.ROLE)).isEqualTo("model");
        assertThat(p.getProperty(HyperrecConfig.METRICS_PORT)).isEqualTo("-1");
        assertThat(p.getProperty(HyperrecConfig.TOPICS_CREATE)).isEqualTo("false");
        assertThat(p.getProperty("application.id")).isEqualTo("shop");
        assertThat(p.getProperty(HyperrecConfig.NEIGHBOURS_THREADS)).isEqualTo("4");
        // what the child then runs: the model's instance, of the same application, on the CPU
        HyperrecConfig child = HyperrecConfig.of(p);
        assertThat(child.modelStreamsProperties().getProperty("application.id")).isEqualTo("shop-model");
        assertThat(child.role()).isEqualTo(HyperrecConfig.Role.MODEL);
    }

    @Test
    void aModelInTheListsInstanceCannotRunApart() {
        HyperrecConfig inOne = HyperrecConfig.of(Map.of(HyperrecConfig.NEIGHBOURS_SEPARATE_APP, "false"));
        assertThatThrownBy(() -> ModelProcess.start(inOne, Path.of("/tmp/unused"), 0, "1g", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
