package io.locus.target.model;

/** What the command sets need from the target as a whole. */
public interface TargetContext {
    /** The subsystem with this NQN (including the discovery subsystem), or null. */
    Subsystem subsystem(String nqn);

    TargetLimits limits();

    DiscoveryLogSource discoveryLog();

    RejectLog rejects();
}
