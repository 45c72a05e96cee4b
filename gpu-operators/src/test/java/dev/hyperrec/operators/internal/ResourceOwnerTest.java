package dev.hyperrec.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.OperatorException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceOwnerTest {

    /** A hand-written fake that records its close. */
    private static final class Recorder implements AutoCloseable {
        private final String name;
        private final List<String> log;
        private final boolean fail;

        Recorder(String name, List<String> log, boolean fail) {
            this.name = name;
            this.log = log;
            this.fail = fail;
        }

        @Override
        public void close() {
            log.add(name);
            if (fail) {
                throw new IllegalStateException(name + " failed");
            }
        }
    }

    @Test
    void closesInReverseCreationOrderOnce() {
        List<String> log = new ArrayList<>();
        ResourceOwner owner = new ResourceOwner("test");
        owner.register(new Recorder("a", log, false));
        Recorder b = owner.register(new Recorder("b", log, false));
        owner.register(new Recorder("c", log, false));
        owner.release(b); // closed early by its user
        assertThat(owner.ownedCount()).isEqualTo(2);
        owner.close();
        owner.close();
        assertThat(log).containsExactly("c", "a");
        assertThat(owner.isClosed()).isTrue();
        assertThatThrownBy(() -> owner.register(new Recorder("d", log, false)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("test is closed");
    }

    @Test
    void closesEverythingEvenWhenOneFails() {
        List<String> log = new ArrayList<>();
        ResourceOwner owner = new ResourceOwner("test");
        owner.register(new Recorder("a", log, true));
        owner.register(new Recorder("b", log, false));
        owner.register(new Recorder("c", log, true));
        assertThatThrownBy(owner::close)
                .isInstanceOf(OperatorException.class)
                .hasMessageContaining("c failed")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(log).containsExactly("c", "b", "a");
    }
}
