package dev.hyperrec.topology.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.demo.DemoData;
import dev.hyperrec.topology.demo.PipelineRun;
import dev.hyperrec.topology.demo.SyntheticData;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole pipeline on a real broker and registry learns planted taste clusters. */
@ExtendWith(KafkaInfra.class)
class PlantedClustersIT {

    @Test
    void everyUsersTopTenComesMostlyFromTheirOwnCluster(KafkaInfra.Infra infra) throws Exception {
        DemoData data = SyntheticData.generate(300, 400, 12_000, 8, 32, 0.9, 7, "clusters");
        // offered like a live stream (500 events/s, 24 s) with the app's defaults, so that the
        // item-to-item model's lists (published once per hyperrec.neighbours.publish.interval.ms, within
        // a budget of the stream thread's time) have caught up when the users' last lists are ranked;
        // replayed as fast as possible, all 12,000 events would be ranked before the first lists arrive
        // (docs/operations.md, Known limits)
        HyperrecConfig config = ItSupport.config(infra, "clusters.", Map.of(HyperrecConfig.EMBEDDING_DIM, 32,
                HyperrecConfig.BATCH_MAX_EVENTS, 256));
        PipelineRun.Result result = PipelineRun.run(data, config, 3, 500, Duration.ofMinutes(4),
                new PrintStream(System.out), false);

        assertThat(result.users()).isEqualTo(300);
        assertThat(result.usersWithRecs()).isEqualTo(300);
        assertThat(result.duplicateLists()).isZero();
        long triggering = data.events().stream()
                .filter(e -> dev.hyperrec.topology.engine.EventWeights.triggers(e.getType())).count();
        assertThat(result.recommendations()).isEqualTo(triggering);
        double worst = 1;
        for (Map.Entry<String, Recommendations> e : result.latestByUser().entrySet()) {
            int cluster = data.userCluster().get(e.getKey());
            var items = e.getValue().getItems();
            assertThat(items).hasSize(10);
            long own = items.stream().map(RecommendedItem::getItemId).filter(i -> data.clusterOf().get(i) == cluster).count();
            double share = own / 10.0;
            worst = Math.min(worst, share);
            assertThat(share).as("user %s (cluster %d): %s", e.getKey(), cluster, items).isGreaterThanOrEqualTo(0.8);
        }
        System.out.println("planted clusters: worst own-cluster share of a top-10 = " + worst + "; " + result.demoLine());
    }
}
