package io.locus.nativeio.rdma;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks made in Java before any native call: they hold on every machine, with or without RDMA. */
class RdmaArgumentsTest {
    @Test
    void shouldRefuseHeapBuffersAndEmptyRangesWhenRegistering() {
        ProtectionDomain pd = new ProtectionDomain(null, 0); // never reaches the native side

        IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                () -> pd.register(ByteBuffer.allocate(4096), MemoryRegion.ACCESS_LOCAL_WRITE));
        assertTrue(heap.getMessage().contains("direct"), heap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pd.register(0, 4096, MemoryRegion.ACCESS_LOCAL_WRITE));
        assertThrows(IllegalArgumentException.class, () -> pd.register(0x1000, 0, MemoryRegion.ACCESS_LOCAL_WRITE));
        assertThrows(IllegalArgumentException.class,
                () -> pd.register(ByteBuffer.allocateDirect(16).position(16), MemoryRegion.ACCESS_LOCAL_WRITE));
    }

    @Test
    void shouldRequireLocalWriteWhenRemoteWriteIsAsked() {
        assertThrows(IllegalArgumentException.class,
                () -> MemoryRegion.checkRegistration(0x1000, 64, MemoryRegion.ACCESS_REMOTE_WRITE));
        assertThrows(IllegalArgumentException.class,
                () -> MemoryRegion.checkRegistration(0x1000, 64, MemoryRegion.ACCESS_REMOTE_ATOMIC));
        assertThrows(IllegalArgumentException.class, () -> MemoryRegion.checkRegistration(0x1000, 64, 1 << 5));
        assertDoesNotThrow(() -> MemoryRegion.checkRegistration(0x1000, 64, MemoryRegion.ACCESS_REMOTE_READ));
        assertDoesNotThrow(() -> MemoryRegion.checkRegistration(0x1000, 64,
                MemoryRegion.ACCESS_LOCAL_WRITE | MemoryRegion.ACCESS_REMOTE_WRITE));
    }

    @Test
    void shouldBoundPrivateDataByTheCmMessageThatCarriesIt() {
        CmId id = new CmId(0); // the checks run before the native call
        ConnectionParameters p = new ConnectionParameters(4, 4, 7, 7);

        assertThrows(IllegalArgumentException.class, () -> id.connect(p, new byte[CmId.MAX_CONNECT_PRIVATE_DATA + 1]));
        assertThrows(IllegalArgumentException.class, () -> id.accept(p, new byte[CmId.MAX_ACCEPT_PRIVATE_DATA + 1]));
        assertThrows(IllegalArgumentException.class, () -> id.reject(new byte[CmId.MAX_REJECT_PRIVATE_DATA + 1]));
        assertDoesNotThrow(() -> CmId.checkPrivateData(new byte[32], CmId.MAX_CONNECT_PRIVATE_DATA, "connect"));
        assertDoesNotThrow(() -> CmId.checkPrivateData(null, CmId.MAX_CONNECT_PRIVATE_DATA, "connect"));
    }

    @Test
    void shouldRefuseUnresolvedAddressesAndNonPositiveTimeouts() throws Exception {
        CmId id = new CmId(0);

        assertThrows(IllegalArgumentException.class,
                () -> id.resolveAddress(null, InetSocketAddress.createUnresolved("nowhere.invalid", 4420), 1000));
        assertThrows(IllegalArgumentException.class,
                () -> id.resolveAddress(null, new InetSocketAddress(InetAddress.getLoopbackAddress(), 4420), 0));
        assertThrows(IllegalArgumentException.class, () -> id.resolveRoute(-1));
        assertThrows(IllegalArgumentException.class, () -> id.listen(-1));
        assertArrayEquals(new byte[] {10, 0, 2, 15},
                CmId.addressBytes(new InetSocketAddress(InetAddress.getByName("10.0.2.15"), 4420)));
        assertEquals(16, CmId.addressBytes(new InetSocketAddress(InetAddress.getByName("::1"), 4420)).length);
    }

    @Test
    void shouldKeepConnectionParametersAndQueueSizesInTheirFields() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionParameters(256, 0, 7, 7));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionParameters(0, -1, 7, 7));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionParameters(0, 0, 8, 7), "3-bit field");
        assertThrows(IllegalArgumentException.class, () -> new ConnectionParameters(0, 0, 7, -1));
        DeviceAttributes rxe = DeviceAttributes.of(new long[] {1, -1, 1 << 20, 1 << 20, 32, 1 << 20, 32767, 1 << 19,
                1 << 20, 128, 300, 0, 0, 1});
        assertEquals(new ConnectionParameters(128, 255, 7, 7), ConnectionParameters.forDevice(rxe));
        assertEquals(300, rxe.maxQpInitRdAtom());

        assertThrows(IllegalArgumentException.class, () -> new QueuePairCapabilities(0, 1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new QueuePairCapabilities(1, 1, 1, 1, -1));
        QueuePairCapabilities caps = new QueuePairCapabilities(96, 32, 16, 2, 64);
        assertEquals(caps, QueuePairCapabilities.of(caps.toArray()));
    }

    @Test
    void shouldRefuseNonsenseQueueSizesBeforeTheDeviceSeesThem() {
        RdmaDevice device = new RdmaDevice(0, "none", null);
        assertThrows(IllegalArgumentException.class, () -> device.createCompletionQueue(0, null, 0));
        assertThrows(IllegalArgumentException.class, () -> device.createCompletionQueue(64, null, -1));
        CompletionQueue cq = new CompletionQueue(0, 8);
        assertThrows(IndexOutOfBoundsException.class, () -> cq.poll(WorkCompletions.allocate(4), 5));
        assertThrows(IndexOutOfBoundsException.class, () -> cq.poll(WorkCompletions.allocate(4), 2, 3));
        assertThrows(IllegalArgumentException.class, () -> cq.acknowledge(-1));
    }
}
