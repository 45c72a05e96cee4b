package dev.hyperrec.topology.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.topology.HyperrecConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ablation replays each variant and reports it; removing the item-to-item model must cost quality on planted data. */
class AblationTest {

    @Test
    void reportsEveryVariantWithItsChangeAndTheRule() throws Exception {
        Prequential.Dataset data = Prequential.Dataset.of("synthetic", SyntheticRatings.generate(60, 120, 3000, 4, 7), 0.2);
        HyperrecConfig config = HyperrecConfig.of(Map.of(HyperrecConfig.EMBEDDING_DIM, 8,
                HyperrecConfig.CATALOG_INITIAL_CAPACITY, 256, HyperrecConfig.USERS_INITIAL_CAPACITY, 64));
        List<Ablation.Run> runs = Ablation.run(data, List.of("hyperrec", "-similar", "+graph"), config, BackendKind.CPU, 2.0, 42, 2);
        Map<String, Object> report = Ablation.report(runs, 2.0);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("variants");
        assertThat(rows).extracting(r -> r.get("variant")).containsExactly("hyperrec", "-similar", "+graph");
        assertThat(rows.get(0)).doesNotContainKey("ndcg_at_10_change");
        assertThat((Double) rows.get(1).get("ndcg_at_10_change")).isNegative();
        assertThat(rows.get(1)).doesNotContainKey("earns_place");
        assertThat(rows.get(2)).containsKeys("added_latency", "earns_place");
        assertThat((Double) rows.get(2).get("stage_us_per_batch")).isPositive();
        String md = Ablation.markdown(report);
        assertThat(md).contains("| hyperrec |").contains("| -similar |").contains("| +graph |");
        assertThatThrownBy(() -> Ablation.run(data, List.of("+nothing"), config, BackendKind.CPU, 2.0, 42, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown ablation variant");
    }
}
