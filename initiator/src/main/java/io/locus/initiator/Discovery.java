package io.locus.initiator;

import io.locus.protocol.fabrics.DiscoveryLog;
import io.locus.protocol.nvme.LogPage;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the discovery log page from a discovery controller: the 1024-byte header for the length, the log in
 * 4096-byte chunks with LPO (as the SPDK host does), then the header again, starting over if GENCTR moved meanwhile. Referrals are listed like any other record.
 */
public final class Discovery {
    static final int CHUNK = 4096;
    static final int MAX_ATTEMPTS = 10;
    /** A sanity bound on NUMREC (4 MiB of log). */
    static final long MAX_RECORDS = 4096;

    private Discovery() {
    }

    /** Connects to the discovery controller at {@code address:port}, reads the log, disconnects. */
    public static DiscoveryLogPage discover(String address, int port, HostIdentity host, ControllerOptions options) {
        return discover(TransportId.discovery(address, port), host, options);
    }

    public static DiscoveryLogPage discover(TransportId discoveryController, HostIdentity host, ControllerOptions options) {
        try (Controller ctrl = Controller.connect(discoveryController, host, options)) {
            return readLog(ctrl);
        }
    }

    /** Reads the whole log consistently from a connected discovery controller. */
    public static DiscoveryLogPage readLog(Controller ctrl) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            // The header says how long the log is; then the whole log in 4096-byte chunks (never past its end);
            // then the header again: a changed GENCTR means the log moved under us.
            ByteBuf header = ctrl.getLogPage(LogPage.DISCOVERY, 0, false, 0, DiscoveryLog.HEADER_LENGTH);
            long generation = header.getLongLE(DiscoveryLog.GENCTR_OFFSET);
            long records = header.getLongLE(DiscoveryLog.NUMREC_OFFSET);
            if (records < 0 || records > MAX_RECORDS) {
                throw new NvmeException("the discovery log at " + ctrl.transportId().endpoint() + " claims " + records
                        + " records; refusing to read that much");
            }
            int total = (int) (DiscoveryLog.HEADER_LENGTH + records * DiscoveryLog.ENTRY_LENGTH);
            ByteBuf all = io.netty.buffer.Unpooled.buffer(total, total);
            for (int offset = 0; offset < total; offset += CHUNK) {
                int length = Math.min(CHUNK, total - offset);
                all.writeBytes(ctrl.getLogPage(LogPage.DISCOVERY, 0, false, offset, length), 0, length);
            }
            long read = all.getLongLE(DiscoveryLog.GENCTR_OFFSET);
            long again = ctrl.getLogPage(LogPage.DISCOVERY, 0, false, 0, DiscoveryLog.HEADER_LENGTH)
                    .getLongLE(DiscoveryLog.GENCTR_OFFSET);
            if (read != generation || again != generation || all.getLongLE(DiscoveryLog.NUMREC_OFFSET) != records) {
                continue;
            }
            List<DiscoveryEntry> entries = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                entries.add(DiscoveryEntry.parse(all, DiscoveryLog.HEADER_LENGTH + i * DiscoveryLog.ENTRY_LENGTH));
            }
            return new DiscoveryLogPage(generation, records, List.copyOf(entries));
        }
        throw new NvmeException("the discovery log at " + ctrl.transportId().endpoint() + " kept changing while being read ("
                + MAX_ATTEMPTS + " attempts)");
    }
}
