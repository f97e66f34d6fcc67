package io.locus.target;

import io.locus.target.config.TargetConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A listener that cannot be bound says why, for --listen, a configuration file and nvmf_subsystem_add_listener alike. */
class ListenErrorsTest {
    @Test
    void shouldNameAHostThatDoesNotResolve() {
        TargetConfig c = TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 1 << 20, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults());
        TargetConfig bad = new TargetConfig(c.reactors(), List.of(new TargetConfig.Listen("nosuch.invalid", 0)), null,
                c.subsystems(), c.limits());
        IOException e = assertThrows(IOException.class, () -> Target.start(bad).close());
        assertEquals("cannot listen on nosuch.invalid:0: cannot resolve 'nosuch.invalid' to an address of this machine", e.getMessage());
    }
}
