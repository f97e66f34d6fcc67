package io.locus.nativeio.rdma;

import io.locus.nativeio.Errno;
import io.locus.nativeio.NativeLibrary;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether RDMA can be used here, and the devices. RDMA lives in its own library, {@code liblocus-rdma.so}, linked
 * against rdma-core's {@code libibverbs.so.1} and {@code librdmacm.so.1}: a host without them loses RDMA only.
 *
 * <p>RDMA is {@link #isAvailable() available} when that library loads and the connection manager sees at least one
 * device. The devices are the contexts librdmacm opened ({@code rdma_get_devices}), the ones its ids resolve to, so
 * that a protection domain allocated on a {@link RdmaDevice} can carry the queue pairs of {@link CmId}s bound to it
 * (SPDK does the same; the kernel's nvme-rdma uses {@code cm_id->device}). librdmacm owns them; they are never closed.
 */
public final class Rdma {
    static final String LIBRARY = "liblocus-rdma.so";
    static final String DISABLE_PROPERTY = "locus.rdma.disable";
    private static final int MAX_DEVICES = 64;

    private static volatile List<RdmaDevice> devices = List.of();

    private Rdma() {
    }

    /** True when the library loaded and at least one RDMA device is present. */
    public static boolean isAvailable() {
        return Probe.CAUSE.isEmpty();
    }

    /**
     * Why RDMA cannot be used here, in one line: disabled, the library or rdma-core missing, or no RDMA device (with
     * the soft-RoCE recipe); empty when it can.
     */
    public static Optional<String> unavailabilityCause() {
        return Probe.CAUSE;
    }

    /** The RDMA devices, as found when RDMA was probed or last {@link #refreshDevices() refreshed}. */
    public static List<RdmaDevice> devices() {
        ensureAvailable();
        return devices;
    }

    /** Asks librdmacm for the device list again (after a device was added); returns it. */
    public static List<RdmaDevice> refreshDevices() throws RdmaException {
        ensureLibrary();
        long[] handles = new long[MAX_DEVICES];
        int n = (int) RdmaException.check("rdma_get_devices", RdmaNative.devices0(handles));
        List<RdmaDevice> found = new ArrayList<>();
        for (int i = 0; i < Math.min(n, MAX_DEVICES); i++) {
            found.add(known(handles[i]));
        }
        devices = List.copyOf(found);
        return devices;
    }

    /** The device of a context handle ({@link CmId#device()}), refreshing the list once for a device not seen yet. */
    static RdmaDevice device(long handle) throws RdmaException {
        for (RdmaDevice d : devices) {
            if (d.handle() == handle) {
                return d;
            }
        }
        for (RdmaDevice d : refreshDevices()) {
            if (d.handle() == handle) {
                return d;
            }
        }
        throw new RdmaException("rdma_get_devices (device of a CM id)", Errno.ENODEV);
    }

    private static RdmaDevice known(long handle) throws RdmaException {
        for (RdmaDevice d : devices) {
            if (d.handle() == handle) {
                return d;
            }
        }
        return RdmaDevice.open(handle);
    }

    /** Throws {@link IllegalStateException} with the cause when RDMA is not available. */
    static void ensureAvailable() {
        Probe.CAUSE.ifPresent(cause -> {
            throw new IllegalStateException("RDMA unavailable: " + cause);
        });
    }

    /** Throws {@link IllegalStateException} when the library itself did not load (a device is not needed). */
    static void ensureLibrary() {
        libraryCause().ifPresent(cause -> {
            throw new IllegalStateException("RDMA unavailable: " + cause);
        });
    }

    /** Why the library did not load, or empty. */
    static Optional<String> libraryCause() {
        return Library.CAUSE;
    }

    /**
     * One line for an unavailable RDMA: the library's cause when it did not load, else why no device was found
     * ({@code devices} is the device count or a negative errno from {@code rdma_get_devices}); empty when available.
     */
    static Optional<String> explain(Optional<String> library, int devices) {
        if (library.isPresent()) {
            return Optional.of(library.get() + " (install rdma-core's libibverbs1, librdmacm1 and ibverbs-providers)");
        }
        if (devices > 0) {
            return Optional.empty();
        }
        String why = devices == 0 ? "rdma_get_devices found none" : "rdma_get_devices: " + RdmaException.describe(devices);
        return Optional.of("no RDMA device (" + why + "); for soft-RoCE: modprobe rdma_rxe; "
                + "rdma link add rxe0 type rxe netdev IFACE");
    }

    private static Optional<String> probe() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            return Optional.of("disabled by -D" + DISABLE_PROPERTY);
        }
        if (libraryCause().isPresent()) {
            return explain(libraryCause(), 0);
        }
        try {
            return explain(Optional.empty(), refreshDevices().size());
        } catch (RdmaException e) {
            return explain(Optional.empty(), -e.errno());
        }
    }

    private static final class Library {
        static final Optional<String> CAUSE = NativeLibrary.loadCompanion(LIBRARY);
    }

    /** Probed once; callers log the cause where it changes what they do. */
    private static final class Probe {
        static final Optional<String> CAUSE = probe();
    }
}
