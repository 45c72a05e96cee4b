package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bars of the machine-CPU plot: the first run's best passthrough, then each drain, negative rests as 0. */
class HostCpuPlotTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode run(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void theFirstRunsBestPassthroughThenOneBarPerDrain() throws Exception {
        Map<String, JsonNode> runs = new LinkedHashMap<>();
        runs.put("base", run("{'ceiling': {'runs': ["
                + "{'eps': 400000, 'host_cpu': {'cpu_us_per_event': {'this_jvm': 20, 'broker': 12, 'rest_of_machine': 1}}},"
                + "{'eps': 500000, 'host_cpu': {'cpu_us_per_event': {'this_jvm': 16, 'broker': 11, 'rest_of_machine': -0.5}}}]},"
                + " 'hyperrec': {'host_cpu': {'cpu_us_per_event': {'this_jvm': 150, 'broker': 40, 'model_jvm': 66,"
                + " 'rest_of_machine': -2}}}}"));
        runs.put("no model", run("{'ceiling': {'runs': [{'eps': 1, 'host_cpu': {'cpu_us_per_event': {'this_jvm': 99}}}]},"
                + " 'hyperrec': {'host_cpu': {'cpu_us_per_event': {'this_jvm': 110, 'broker': 29, 'rest_of_machine': 0.3}}}}"));
        List<HostCpuPlot.Bar> bars = HostCpuPlot.bars(runs);
        assertThat(bars).extracting(HostCpuPlot.Bar::label).containsExactly("passthrough (base)", "base", "no model");
        assertThat(bars.get(0).parts()).containsExactly(Map.entry("this_jvm", 16.0), Map.entry("broker", 11.0),
                Map.entry("model_jvm", 0.0), Map.entry("rest_of_machine", 0.0));
        assertThat(bars.get(1).parts()).containsEntry("model_jvm", 66.0).containsEntry("rest_of_machine", 0.0);
        assertThat(bars.get(2).parts()).containsEntry("this_jvm", 110.0).containsEntry("model_jvm", 0.0)
                .containsEntry("rest_of_machine", 0.3);
    }

    @Test
    void aRunWithoutHostFiguresIsRefusedByName() throws Exception {
        Map<String, JsonNode> runs = Map.of("old", run("{'ceiling': {'runs': []}, 'hyperrec': {'eps': 5}}"));
        assertThatThrownBy(() -> HostCpuPlot.bars(runs)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("old").hasMessageContaining("host_cpu");
    }
}
