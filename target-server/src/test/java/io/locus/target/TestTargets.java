package io.locus.target;

import io.locus.nativeio.rdma.verbs.NativeVerbs;
import io.locus.runtime.ThreadPinning;
import io.locus.target.config.TargetConfig;
import io.locus.target.model.Port;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** Targets on ephemeral loopback ports for tests. */
final class TestTargets {
    static final String NQN = "nqn.2026-11.io.locus:test";

    private TestTargets() {
    }

    static TargetConfig config(List<TargetConfig.NamespaceConfig> namespaces, boolean anyHost, List<String> hosts,
                               TargetConfig.Limits limits) {
        TargetConfig.SubsystemConfig s = new TargetConfig.SubsystemConfig(NQN, "LOCUSTEST", "Locus test", anyHost, hosts, 32, namespaces);
        return new TargetConfig(new TargetConfig.Reactors(List.of(), "adaptive"), List.of(new TargetConfig.Listen("127.0.0.1", 0)),
                new TargetConfig.Listen("127.0.0.1", 0), List.of(s), limits);
    }

    static Target memory(long size) throws IOException {
        return Target.start(config(List.of(new TargetConfig.NamespaceConfig(1, "memory", size, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults()));
    }

    /** As {@link #memory(long)}, with keep-alive timed by {@code clock} (nanoseconds) that the test moves. */
    static Target memory(long size, LongSupplier clock) throws IOException {
        return Target.start(config(List.of(new TargetConfig.NamespaceConfig(1, "memory", size, null, 4096, null)),
                true, List.of(), TargetConfig.Limits.defaults()), ThreadPinning.NONE, NativeVerbs.PROVIDER, clock);
    }

    static int ioPort(Target t) {
        for (Port p : t.ports()) {
            if (!p.discovery()) {
                return p.address().getPort();
            }
        }
        throw new IllegalStateException();
    }

    static int discoveryPort(Target t) {
        for (Port p : t.ports()) {
            if (p.discovery()) {
                return p.address().getPort();
            }
        }
        throw new IllegalStateException();
    }

    /** Polls {@code condition}, which a reactor or backend thread makes true, failing with {@code what} after 10 s. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }
}
