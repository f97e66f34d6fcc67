package io.locus.target;

import io.locus.protocol.fabrics.ConnectData;
import io.locus.protocol.nvme.Status;
import io.locus.target.config.TargetConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Connect data field checks (NVMe over Fabrics 1.1, Connect command data): a bad HOSTID, SUBNQN or HOSTNQN is
 * answered with Connect Invalid Parameters (SCT 1, SC 0x82, DNR), IATTR 1 and IPO the field's offset in CQE DW0.
 *
 * <p>What the hosts send, so that they keep working: the Linux host copies a random per-host UUID into HOSTID on
 * every queue (drivers/nvme/host/fabrics.c {@code nvmf_connect_data_prep}: {@code uuid_copy(&data->hostid,
 * &ctrl->opts->host->id)}) and NQNs of at most 223 bytes; SPDK's host sends {@code opts.extended_host_id}, random per
 * process (lib/nvme/nvme.c {@code default_extended_host_id}), and {@code opts.hostnqn}, which spdk_nvme_perf leaves
 * empty unless told {@code hostnqn:}. The NQN length rule is SPDK's target's (lib/nvmf/ctrlr.c: HOSTNQN must hold a
 * NUL within 224 bytes); neither peer target checks HOSTID, which the specification requires non-zero and constant.
 */
class ConnectDataConformanceTest {
    private static final int INVALID_PARAMETERS = Status.CONNECT_INVALID_PARAMETERS | Status.DNR;
    private static final int IATTR_CONNECT_DATA = 1 << 16;

    static Target open;
    static Target listed;

    @BeforeAll
    static void start() throws IOException {
        open = TestTargets.memory(16L << 20);
        listed = Target.start(TestTargets.config(List.of(new TargetConfig.NamespaceConfig(1, "memory", 16L << 20, null, 4096, null)),
                false, List.of(RawHost.HOSTNQN), TargetConfig.Limits.defaults()));
    }

    @AfterAll
    static void stop() {
        open.close();
        listed.close();
    }

    private static RawHost.Pdu adminConnect(Target t, byte[] data) throws IOException {
        try (RawHost h = new RawHost(TestTargets.ioPort(t))) {
            h.icReq(false, false);
            return h.connect(0, 31, data, 0, 0);
        }
    }

    private static void assertInvalidParameter(RawHost.Pdu resp, int offset) {
        assertEquals(INVALID_PARAMETERS, resp.cqeStatus(), "Connect Invalid Parameters + DNR");
        assertEquals(IATTR_CONNECT_DATA | offset, resp.cqeDw0(), "IATTR 1 (Connect data), IPO " + offset);
    }

    private static byte[] withHostnqnBytes(byte[] hostnqn) {
        byte[] d = RawHost.connectData(0xFFFF, TestTargets.NQN, RawHost.HOSTNQN);
        Arrays.fill(d, ConnectData.HOSTNQN_OFFSET, ConnectData.HOSTNQN_OFFSET + 256, (byte) 0);
        System.arraycopy(hostnqn, 0, d, ConnectData.HOSTNQN_OFFSET, hostnqn.length);
        return d;
    }

    private static byte[] nqnOfLength(int length) {
        String prefix = "nqn.2014-08.org.nvmexpress:uuid:";
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 'a');
        System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, b, 0, prefix.length());
        return b;
    }

    @Test
    void shouldRejectAnAllNulHostnqnWhereOnlyListedHostsMayConnectButAdmitItWhereAnyHostMay() throws IOException {
        assertInvalidParameter(adminConnect(listed, withHostnqnBytes(new byte[0])), ConnectData.HOSTNQN_OFFSET);
        // spdk_nvme_perf sends an all-NUL HOSTNQN unless given "hostnqn:"; SPDK's and Linux's targets admit it there.
        assertEquals(Status.SUCCESS, adminConnect(open, withHostnqnBytes(new byte[0])).cqeStatus());
    }

    @Test
    void shouldRejectAHostnqnFillingAll256BytesWithoutNul() throws IOException {
        assertInvalidParameter(adminConnect(open, withHostnqnBytes(nqnOfLength(256))), ConnectData.HOSTNQN_OFFSET);
    }

    @Test
    void shouldRejectAHostnqnLongerThan223BytesAndAcceptOneOf223() throws IOException {
        assertInvalidParameter(adminConnect(open, withHostnqnBytes(nqnOfLength(224))), ConnectData.HOSTNQN_OFFSET);
        assertEquals(Status.SUCCESS, adminConnect(open, withHostnqnBytes(nqnOfLength(223))).cqeStatus());
    }

    @Test
    void shouldRejectASpacePaddedSubnqnWithoutNulRatherThanMatchItsTrimmedName() throws IOException {
        byte[] d = RawHost.connectData(0xFFFF, TestTargets.NQN, RawHost.HOSTNQN);
        Arrays.fill(d, ConnectData.SUBNQN_OFFSET + TestTargets.NQN.length(), ConnectData.SUBNQN_OFFSET + 256, (byte) ' ');
        assertInvalidParameter(adminConnect(open, d), ConnectData.SUBNQN_OFFSET);
    }

    @Test
    void shouldRejectAnAllZeroHostid() throws IOException {
        byte[] d = RawHost.connectData(0xFFFF, TestTargets.NQN, RawHost.HOSTNQN);
        Arrays.fill(d, ConnectData.HOSTID_OFFSET, ConnectData.HOSTID_OFFSET + ConnectData.HOSTID_LENGTH, (byte) 0);
        assertInvalidParameter(adminConnect(open, d), ConnectData.HOSTID_OFFSET);
    }

    @Test
    void shouldRejectAnIoQueueConnectWhoseHostidDiffersFromItsControllers() throws IOException {
        try (RawHost admin = new RawHost(TestTargets.ioPort(open)); RawHost io = new RawHost(TestTargets.ioPort(open))) {
            int cntlid = admin.adminUp(TestTargets.NQN, 0);
            io.icReq(false, false);
            byte[] d = RawHost.connectData(cntlid, TestTargets.NQN, RawHost.HOSTNQN);
            d[ConnectData.HOSTID_OFFSET + 15] ^= 0x01;
            assertInvalidParameter(io.connect(1, 31, d, 0, 0), ConnectData.HOSTID_OFFSET);
            // The same queue then connects with the controller's HOSTID and serves I/O.
            assertEquals(Status.SUCCESS, io.connect(1, 31, RawHost.connectData(cntlid, TestTargets.NQN, RawHost.HOSTNQN), 0, 0).cqeStatus());
            assertEquals(Status.SUCCESS, ((RawHost.Pdu) io.readBlocks(1, 0, 1, 4096)[1]).cqeStatus());
        }
    }
}
