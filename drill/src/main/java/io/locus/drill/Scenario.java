package io.locus.drill;

import java.util.Locale;

/**
 * The drills. Each injects its fault into node 0 (the node of the optimized path) while the verifying workload
 * runs, repairs it, and waits for fail-back. {@link #defaultDurationMs} are short (CI); {@code --duration} sets
 * the fault's length.
 */
public enum Scenario {
    /** SIGKILL of node 0, then a restart: the connections reset at once. */
    KILL("kill", "kill -9 of the node holding the optimized path, then restart it") {
        @Override
        long defaultDurationMs(int katoMs) {
            return 1000;
        }

        @Override
        void run(FaultContext ctx) {
            TargetNode victim = ctx.node(FaultContext.VICTIM);
            ctx.faultStarts("kill -9");
            victim.kill9();
            ctx.hold(ctx.durationMs());
            victim.start();
            ctx.faultEnds();
        }
    },
    /** The link goes silent: {@code ip link set down}, then (where netem exists) {@code netem loss 100%}. */
    PARTITION("partition", "ip link set down on the node's veth, restore; then tc netem loss 100%, restore") {
        @Override
        long defaultDurationMs(int katoMs) {
            return katoMs + 1000L;
        }

        @Override
        void run(FaultContext ctx) {
            NetLab lab = ctx.lab();
            ctx.faultStarts("link down");
            lab.down(FaultContext.VICTIM);
            ctx.hold(ctx.durationMs());
            lab.up(FaultContext.VICTIM);
            ctx.faultEnds();
            String netem = ctx.netemUnavailable();
            if (netem != null) {
                ctx.note("netem loss 100% not run: " + netem);
                return;
            }
            ctx.hold(1000);
            netem(ctx, "netem loss 100%", "loss", "100%");
        }
    },
    /** Added latency on the path: {@code netem delay 50ms 10ms}. */
    DELAY("delay", "tc netem delay 50ms (±10 ms) on the node's link, then remove it") {
        @Override
        long defaultDurationMs(int katoMs) {
            return 3000;
        }

        @Override
        String unavailable(FaultContext ctx) {
            return ctx.netemUnavailable();
        }

        @Override
        void run(FaultContext ctx) {
            netem(ctx, "netem delay 50ms", "delay", "50ms", "10ms");
        }
    },
    /** Corrupted packets with header and data digests on: the digests catch it, the host retries. */
    CORRUPT("corrupt", "tc netem corrupt 1% on the node's link (header and data digests on), then remove it") {
        @Override
        long defaultDurationMs(int katoMs) {
            return 3000;
        }

        @Override
        String unavailable(FaultContext ctx) {
            return ctx.netemUnavailable();
        }

        @Override
        void run(FaultContext ctx) {
            netem(ctx, "netem corrupt 1%", "corrupt", "1%");
        }
    },
    /** A planned ANA transition: node 0 optimized → non-optimized and node 1 the reverse, under load, and back. */
    ANA_SWAP("ana-swap", "planned ANA transition: optimized and non-optimized swapped under load, then back") {
        @Override
        long defaultDurationMs(int katoMs) {
            return 3000;
        }

        @Override
        String unavailable(FaultContext ctx) {
            return ctx.anaControlUnavailable();
        }

        @Override
        void run(FaultContext ctx) {
            // Node 1 becomes optimized before node 0 stops being so, and the reverse on the way back, as an
            // orchestrator moving a namespace would: the host never sees a moment without an optimized path.
            ctx.faultStarts("ANA swap");
            ctx.setAnaState(1, "optimized");
            ctx.setAnaState(FaultContext.VICTIM, "non_optimized");
            // The host must follow the ANA-change AEN: node 1's path (idle while non-optimized) now carries the I/O.
            long moved = ctx.awaitPathCarries(1, ctx.keepAliveTimeoutMs());
            if (moved < 0) {
                throw new IllegalStateException("the I/O did not move to node 1 within "
                        + ctx.keepAliveTimeoutMs() + " ms of the ANA swap");
            }
            ctx.note("I/O moved to node 1 " + moved + " ms after the swap");
            ctx.hold(ctx.durationMs());
            ctx.setAnaState(FaultContext.VICTIM, "optimized");
            ctx.setAnaState(1, "non_optimized");
            ctx.faultEnds();
        }
    },
    /** SIGSTOP of node 0 for longer than the keep-alive timeout, then SIGCONT: silent, the kernel still ACKs. */
    FREEZE("freeze", "SIGSTOP the node for longer than the keep-alive timeout, then SIGCONT") {
        @Override
        long defaultDurationMs(int katoMs) {
            return katoMs + 1500L;
        }

        @Override
        void run(FaultContext ctx) {
            TargetNode victim = ctx.node(FaultContext.VICTIM);
            ctx.faultStarts("SIGSTOP");
            victim.freeze();
            ctx.hold(ctx.durationMs());
            victim.thaw();
            ctx.faultEnds();
        }
    },
    /** The link down and up every {@link #FLAP_PERIOD_MS} for the duration. */
    FLAP("flap", "link down and up every 2 s for the duration (30 s in the issue; shorter by default)") {
        @Override
        long defaultDurationMs(int katoMs) {
            return 8000;
        }

        @Override
        void run(FaultContext ctx) {
            NetLab lab = ctx.lab();
            long end = System.nanoTime() + ctx.durationMs() * 1_000_000L;
            while (System.nanoTime() < end) {
                ctx.faultStarts("link down");
                lab.down(FaultContext.VICTIM);
                ctx.hold(FLAP_PERIOD_MS);
                lab.up(FaultContext.VICTIM);
                ctx.faultEnds();
                ctx.hold(FLAP_PERIOD_MS);
            }
        }
    };

    /** Down and up phases of {@link #FLAP}. */
    static final long FLAP_PERIOD_MS = 2000;

    private final String id;
    private final String description;

    Scenario(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** The fault's length when {@code --duration} is not given (ms). */
    abstract long defaultDurationMs(int katoMs);

    /** {@code tc netem ARGS} on node 0's link for the duration, marked {@code what}, then removed. */
    private static void netem(FaultContext ctx, String what, String... args) {
        ctx.faultStarts(what);
        ctx.lab().netem(FaultContext.VICTIM, args);
        ctx.hold(ctx.durationMs());
        ctx.lab().clearNetem(FaultContext.VICTIM);
        ctx.faultEnds();
    }

    /** Null when this machine can run the scenario, else the one-line reason it is skipped. */
    String unavailable(FaultContext ctx) {
        return null;
    }

    /** Injects the fault, repairs it and waits for fail-back; the workload runs throughout. */
    abstract void run(FaultContext ctx);

    /**
     * The longest I/O pause allowed: under 1 s where the fault resets the connections (kill -9), under the
     * keep-alive timeout + 1 s where it is silent and only the keep-alive can tell.
     */
    public long pauseGoalMs(int katoMs) {
        return this == KILL ? 1000 : katoMs + 1000L;
    }

    /** @throws IllegalArgumentException naming the scenarios when {@code name} is none of them */
    public static Scenario parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (Scenario s : values()) {
            if (s.id.equals(n)) {
                return s;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Scenario s : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(s.id);
        }
        throw new IllegalArgumentException("no scenario '" + name + "' (scenarios: " + known + ")");
    }
}
