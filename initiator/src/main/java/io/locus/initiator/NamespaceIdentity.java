package io.locus.initiator;

import io.locus.protocol.nvme.IdentifyNamespace;
import io.netty.buffer.ByteBuf;

import java.util.HexFormat;

/**
 * What makes two controllers' namespaces the same namespace, as Linux matches them for multipath: the subsystem NQN,
 * the NSID, and the namespace's globally unique identifiers (NGUID and EUI-64 from Identify Namespace, UUID from the
 * Namespace Identification Descriptor list), each as lowercase hex, all zeroes when the controller reports none.
 */
public record NamespaceIdentity(String subsystemNqn, int nsid, String nguid, String eui64, String uuid) {
    private static final String NO_UUID = "0".repeat(32);
    /** Namespace Identifier Type 3: a 16-byte UUID. */
    private static final int NIDT_UUID = 3;

    /**
     * Reads the identity of {@code info}'s namespace through {@code controller}. A controller that does not answer
     * the descriptor list (CNS 0x03) has no UUID here.
     *
     * @throws NvmeException when the controller cannot be asked at all
     */
    public static NamespaceIdentity read(Controller controller, NamespaceInfo info) {
        String uuid = NO_UUID;
        try {
            uuid = uuidOf(controller.identify(IdentifyNamespace.CNS_NS_DESCRIPTOR_LIST, info.nsid()));
        } catch (NvmeException e) {
            if (!controller.state().equals(ControllerState.LIVE)) {
                throw e;
            }
        }
        return new NamespaceIdentity(controller.transportId().subsystemNqn(), info.nsid(), info.nguid(), info.eui64(),
                uuid);
    }

    /** The UUID descriptor of a descriptor list (4-byte header: NIDT, NIDL, 2 reserved; then NIDL bytes), or zeroes. */
    static String uuidOf(ByteBuf list) {
        int at = 0;
        while (at + 4 <= list.writerIndex()) {
            int type = list.getUnsignedByte(at);
            int length = list.getUnsignedByte(at + 1);
            if (type == 0 || length == 0) {
                break;
            }
            if (type == NIDT_UUID && length == 16 && at + 4 + 16 <= list.writerIndex()) {
                byte[] uuid = new byte[16];
                list.getBytes(at + 4, uuid);
                return HexFormat.of().formatHex(uuid);
            }
            at += 4 + length;
        }
        return NO_UUID;
    }

    /** Whether the controller gave the namespace any globally unique identifier at all. */
    public boolean hasUniqueId() {
        return !(isZero(nguid) && isZero(eui64) && isZero(uuid));
    }

    /**
     * Same subsystem, same NSID, and every identifier equal (Linux's {@code nvme_ns_ids_equal}): the two are one
     * namespace reached through two controllers.
     */
    public boolean sameNamespaceAs(NamespaceIdentity other) {
        return subsystemNqn.equals(other.subsystemNqn) && nsid == other.nsid && nguid.equals(other.nguid)
                && eui64.equals(other.eui64) && uuid.equals(other.uuid);
    }

    private static boolean isZero(String hex) {
        for (int i = 0; i < hex.length(); i++) {
            if (hex.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
