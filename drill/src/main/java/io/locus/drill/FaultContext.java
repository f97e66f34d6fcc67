package io.locus.drill;

/** What a {@link Scenario} acts on while the workload runs: the nodes, their links, and the drill's clock. */
public interface FaultContext {
    /** The node that holds the optimized path (the one faulted): node 0. */
    int VICTIM = 0;

    NetLab lab();

    TargetNode node(int index);

    /** How long the fault lasts (ms): {@code --duration}, or the scenario's own default. */
    long durationMs();

    /** The host's keep-alive timeout (ms). */
    int keepAliveTimeoutMs();

    /** Null when {@code tc netem} works here, else why not. */
    String netemUnavailable();

    /** Null when the target's ANA state can be changed at run time, else why not. */
    String anaControlUnavailable();

    /**
     * Waits up to {@code timeoutMs} for path {@code node} to complete I/O after now; returns how long it took (ms),
     * or -1 when it did not.
     */
    long awaitPathCarries(int node, long timeoutMs);

    /** Sets the ANA state of node {@code node}'s listener (every group) at run time, over its JSON-RPC socket. */
    void setAnaState(int node, String state);

    /** Marks the start of a fault window ({@code what} is shown in the picture). */
    void faultStarts(String what);

    /**
     * Marks the end of the current fault window and waits until the faulted path completes I/O again (fail-back),
     * recording how long that took.
     */
    void faultEnds();

    /** Lets the workload run for {@code ms} (the drill's own timeline, not a wait for a condition). */
    void hold(long ms);

    /** Adds a line to the scenario's notes (what was done differently, and why). */
    void note(String line);
}
