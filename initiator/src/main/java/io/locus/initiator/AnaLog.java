package io.locus.initiator;

import io.locus.protocol.nvme.AnaLogPage;
import io.locus.protocol.nvme.IdentifyController;
import io.netty.buffer.ByteBuf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One controller's ANA log as last read: the state of each ANA group, and which group each namespace is in.
 * Immutable; a controller swaps in a new one at connect and on every ANA-change event.
 *
 * @param changeCount  the log's CHGCNT
 * @param groups       ANAGRPID → state, in log order
 * @param groupOfNsid  NSID → ANAGRPID from the descriptors' NSID lists (empty when read with RGO)
 */
public record AnaLog(long changeCount, Map<Integer, AnaState> groups, Map<Integer, Integer> groupOfNsid) {
    /** Largest log the host reads (Linux's limit is MDTS; nvmet's full log is 8208 bytes). */
    public static final int MAX_LENGTH = 1 << 20;

    public AnaLog {
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        groupOfNsid = Collections.unmodifiableMap(new LinkedHashMap<>(groupOfNsid));
    }

    /**
     * Bytes of the ANA log this controller's host reads, or 0 when it does not use ANA: as Linux's
     * {@code nvme_mpath_init_identify}, only with CMIC b3, MNAN ≠ 0 and MNAN ≤ NN; 16 + NANAGRPID × 32 + MNAN × 4.
     *
     * @param maxTransferBytes the controller's MDTS in bytes (a larger log disables ANA, as in Linux)
     */
    public static int lengthFor(ControllerInfo info, int maxTransferBytes) {
        if ((info.cmic() & IdentifyController.CMIC_ANA) == 0) {
            return 0;
        }
        long mnan = Integer.toUnsignedLong(info.mnan());
        long nanagrpid = Integer.toUnsignedLong(info.nanagrpid());
        if (mnan == 0 || mnan > info.nn() || nanagrpid == 0) {
            return 0;
        }
        long length = AnaLogPage.length(nanagrpid, mnan);
        if (length > Math.min(MAX_LENGTH, maxTransferBytes)) {
            return 0;
        }
        return (int) length;
    }

    /**
     * Parses {@code length} bytes of a log page.
     *
     * @throws NvmeException when a descriptor runs past the bytes read
     */
    public static AnaLog parse(ByteBuf log, int length) {
        if (length < AnaLogPage.HEADER_LENGTH) {
            throw new NvmeException("ANA log of " + length + " bytes has no header");
        }
        int count = AnaLogPage.groupCount(log);
        Map<Integer, AnaState> groups = new LinkedHashMap<>();
        Map<Integer, Integer> nsids = new LinkedHashMap<>();
        long at = AnaLogPage.HEADER_LENGTH;
        for (int g = 0; g < count; g++) {
            if (at + AnaLogPage.DESCRIPTOR_LENGTH > length) {
                throw new NvmeException("ANA log: descriptor " + g + " of " + count + " is past the " + length
                        + " bytes read");
            }
            int d = (int) at;
            long n = AnaLogPage.nsidCount(log, d);
            if (at + AnaLogPage.DESCRIPTOR_LENGTH + 4 * n > length) {
                throw new NvmeException("ANA log: group " + AnaLogPage.groupId(log, d) + " lists " + n
                        + " namespaces, past the " + length + " bytes read");
            }
            int grpid = AnaLogPage.groupId(log, d);
            groups.put(grpid, AnaState.of(AnaLogPage.state(log, d)));
            for (int i = 0; i < n; i++) {
                nsids.put(AnaLogPage.nsid(log, d, i), grpid);
            }
            at += AnaLogPage.DESCRIPTOR_LENGTH + 4 * n;
        }
        return new AnaLog(AnaLogPage.changeCount(log), groups, nsids);
    }

    /**
     * The state of namespace {@code nsid}: its group from the NSID lists, else {@code anaGroupId} (from Identify
     * Namespace); {@link AnaState#INACCESSIBLE} when the log names neither (Linux leaves such a path unused).
     */
    public AnaState stateOf(int nsid, int anaGroupId) {
        Integer g = groupOfNsid.get(nsid);
        AnaState s = groups.get(g != null ? g : anaGroupId);
        return s != null ? s : AnaState.INACCESSIBLE;
    }

    /** The group of {@code nsid} by the log, else {@code anaGroupId}. */
    public int groupOf(int nsid, int anaGroupId) {
        Integer g = groupOfNsid.get(nsid);
        return g != null ? g : anaGroupId;
    }
}
