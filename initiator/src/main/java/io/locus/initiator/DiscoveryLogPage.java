package io.locus.initiator;

import java.util.List;

/** A discovery log page read consistently (GENCTR unchanged across the read). */
public record DiscoveryLogPage(long generation, long records, List<DiscoveryEntry> entries) {
    public List<DiscoveryEntry> referrals() {
        return entries.stream().filter(DiscoveryEntry::isReferral).toList();
    }

    public List<DiscoveryEntry> subsystems() {
        return entries.stream().filter(e -> !e.isReferral()).toList();
    }
}
