package io.locus.target.model;

import io.netty.buffer.ByteBuf;

/** Builds the discovery log page a given host may see. */
public interface DiscoveryLogSource {
    /** Writes the whole log page (header and entries) for {@code hostNqn} into a new buffer. */
    ByteBuf build(String hostNqn);
}
