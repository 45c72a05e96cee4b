package dev.hyperrec.topology.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.topology.it.KafkaInfra;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Malformed records of every kind between good ones, on a real broker and registry. */
@ExtendWith(KafkaInfra.class)
class FuzzIT {

    @Test
    void everyBadRecordIsDeadLetteredWithItsReasonAndEveryGoodOneIsProcessed(KafkaInfra.Infra infra) throws Exception {
        FuzzInput.Result r = FuzzInput.run(infra.bootstrapServers(), infra.registryUrl(), "fuzzit.", 3000, 600, 1, 11,
                new PrintStream(System.out));
        System.out.println(r.line() + " " + r.dlqByReason());
        assertThat(r.badByKind()).as("every kind was sent").hasSize(FuzzInput.Kind.values().length);
        assertThat(r.crashes()).isZero();
        assertThat(r.dlq()).isEqualTo(r.bad());
        assertThat(r.wrongReasons()).as("dead letters by reason %s for kinds %s", r.dlqByReason(), r.badByKind()).isZero();
        assertThat(r.processedGood()).isEqualTo(r.good());
    }
}
