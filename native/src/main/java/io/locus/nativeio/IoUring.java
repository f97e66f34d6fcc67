package io.locus.nativeio;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One io_uring instance (liburing, linked into {@code liblocus-native.so}), driven in batches: the caller writes
 * submission descriptors into off-heap memory and {@link #enter} turns them into SQEs, submits them and copies
 * completions back, all in one JNI call and at most one {@code io_uring_enter}. Nothing is allocated per I/O.
 *
 * <p>Submission descriptor ({@link #DESCRIPTOR_LENGTH} bytes, little-endian):
 * <pre>
 *   0      1          2           4              8        16     20                 24            32          40      48
 *   +------+----------+-----------+--------------+--------+------+------------------+-------------+-----------+-------+
 *   |opcode| sqe flags| buf_index | fd/fixed slot| addr   | len  | rw/fsync flags   | off/cmd_op  | user_data | addr3 |
 *   +------+----------+-----------+--------------+--------+------+------------------+-------------+-----------+-------+
 * </pre>
 * Completion record ({@link #COMPLETION_LENGTH} bytes): user_data (8), res (4, negative errno on error), flags (4).
 *
 * <p>A ring belongs to the thread that created it: with {@link #SETUP_SINGLE_ISSUER} the kernel refuses submissions
 * and registrations from any other thread. {@link #close()} may run anywhere once that thread no longer uses it.
 */
public final class IoUring implements AutoCloseable {
    public static final int DESCRIPTOR_LENGTH = 48;
    public static final int DESCRIPTOR_OPCODE_OFFSET = 0;
    public static final int DESCRIPTOR_SQE_FLAGS_OFFSET = 1;
    public static final int DESCRIPTOR_BUF_INDEX_OFFSET = 2;
    public static final int DESCRIPTOR_FD_OFFSET = 4;
    public static final int DESCRIPTOR_ADDR_OFFSET = 8;
    public static final int DESCRIPTOR_LEN_OFFSET = 16;
    public static final int DESCRIPTOR_RW_FLAGS_OFFSET = 20;
    public static final int DESCRIPTOR_OFF_OFFSET = 24;
    public static final int DESCRIPTOR_USER_DATA_OFFSET = 32;
    public static final int DESCRIPTOR_ADDR3_OFFSET = 40;

    public static final int COMPLETION_LENGTH = 16;
    public static final int COMPLETION_USER_DATA_OFFSET = 0;
    public static final int COMPLETION_RES_OFFSET = 8;
    public static final int COMPLETION_FLAGS_OFFSET = 12;

    /** Control block for {@link #enter}: taken descriptors (8), enter result (8). */
    public static final int CONTROL_LENGTH = 16;
    public static final int CONTROL_TAKEN_OFFSET = 0;
    public static final int CONTROL_ENTER_RESULT_OFFSET = 8;

    // Kernel ABI values (the C side fails to compile if its headers disagree).
    public static final int OP_FSYNC = 3;
    public static final int OP_READ_FIXED = 4;
    public static final int OP_WRITE_FIXED = 5;
    public static final int OP_FALLOCATE = 17;
    public static final int OP_READ = 22;
    public static final int OP_WRITE = 23;
    public static final int OP_URING_CMD = 46;
    public static final int SQE_FIXED_FILE = 1;
    public static final int FSYNC_DATASYNC = 1;
    public static final int RWF_DSYNC = 2;
    /** {@code BLOCK_URING_CMD_DISCARD = _IO(0x12, 0)}: discard through {@link #OP_URING_CMD} (Linux 6.12+). */
    public static final int BLOCK_URING_CMD_DISCARD = 0x1200;

    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;

    /** Opcodes the backends need; a kernel without them counts as "io_uring unavailable". */
    static final int[] REQUIRED_OPCODES = {OP_FSYNC, OP_READ_FIXED, OP_WRITE_FIXED, OP_FALLOCATE, OP_READ, OP_WRITE};

    static final String DISABLE_PROPERTY = "locus.uring.disable";

    private final long handle;
    private final int setupFlags;
    private final long supportedOpcodes;
    private boolean closed;

    private IoUring(long handle) {
        this.handle = handle;
        this.setupFlags = setupFlags0(handle);
        long probe = probe0(handle);
        this.supportedOpcodes = probe < 0 ? 0 : probe;
    }

    /** True when rings can be created here: the library loaded and the kernel allows io_uring with our opcodes. */
    public static boolean isAvailable() {
        return Probe.CAUSE.isEmpty();
    }

    /** Why io_uring is not usable here (kernel, seccomp, {@code kernel.io_uring_disabled}...), in one line. */
    public static Optional<String> unavailabilityCause() {
        return Probe.CAUSE;
    }

    /**
     * Creates a ring owned by the calling thread, asking for {@link #SETUP_SINGLE_ISSUER} and
     * {@link #SETUP_DEFER_TASKRUN} and dropping them where the kernel predates them.
     *
     * @param entries    submission queue size (a power of two)
     * @param cqEntries  completion queue size, 0 for the kernel's default (twice {@code entries})
     * @throws IllegalStateException with the errno when no ring can be created
     */
    public static IoUring create(int entries, int cqEntries) {
        NativeLibrary.ensureAvailable();
        int[] attempts = {
            SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN | SETUP_SUBMIT_ALL,
            SETUP_SINGLE_ISSUER | SETUP_COOP_TASKRUN | SETUP_SUBMIT_ALL,
            SETUP_COOP_TASKRUN | SETUP_SUBMIT_ALL,
            0,
        };
        long rc = -22;
        for (int flags : attempts) {
            rc = create0(entries, cqEntries, flags);
            if (rc > 0) {
                IoUring ring = new IoUring(rc);
                // Saves an fd lookup per enter; kernels before 5.18 say EINVAL, which costs nothing but that.
                registerRingFd0(rc);
                return ring;
            }
            if (rc != -Errno.EINVAL) {
                break; // only "unknown flag" is worth retrying with fewer flags
            }
        }
        throw new IllegalStateException("io_uring_queue_init failed: " + Errno.describe((int) rc));
    }

    /** The IORING_SETUP_* flags the kernel accepted. */
    public int setupFlags() {
        return setupFlags;
    }

    public boolean supports(int opcode) {
        return opcode < 64 && (supportedOpcodes >>> opcode & 1) != 0;
    }

    /** Registers one fixed buffer (index 0) covering {@code [address, address + length)}; 0 or a negative errno. */
    public int registerBuffer(long address, long length) {
        return registerBuffer0(handle, address, length);
    }

    /** Registers an empty file table of {@code count} slots; 0 or a negative errno. */
    public int registerFilesSparse(int count) {
        return registerFilesSparse0(handle, count);
    }

    /** Puts {@code fd} into fixed-file {@code slot} (-1 empties it); 0 or a negative errno. */
    public int updateFile(int slot, int fd) {
        return updateFile0(handle, slot, fd);
    }

    /**
     * Submits {@code count} descriptors at {@code descriptors} and copies up to {@code maxCompletions} completions to
     * {@code completions}; see the class comment for the layouts and {@link #CONTROL_LENGTH} for {@code control}.
     *
     * @return completions copied
     */
    public int enter(long descriptors, int count, long completions, int maxCompletions, long control) {
        return enter0(handle, descriptors, count, completions, maxCompletions, control);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            destroy0(handle);
        }
    }

    /** Maps {@code length} bytes of page-aligned anonymous memory for I/O buffers. */
    public static long map(long length) {
        NativeLibrary.ensureAvailable();
        long address = mmap0(length);
        if (address < 0) {
            throw new IllegalStateException("mmap of " + length + " bytes failed: " + Errno.describe((int) address));
        }
        return address;
    }

    public static void unmap(long address, long length) {
        munmap0(address, length);
    }

    /** Why io_uring cannot be used, or empty; probes once by creating a small ring. */
    static Optional<String> probe() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            return Optional.of("disabled by -D" + DISABLE_PROPERTY);
        }
        Optional<String> library = NativeLibrary.unavailabilityCause();
        if (library.isPresent()) {
            return Optional.of("locus-native unavailable: " + library.get());
        }
        long rc = create0(8, 0, 0);
        if (rc < 0) {
            return Optional.of(explainSetupFailure((int) -rc, sysctl()));
        }
        IoUring ring = new IoUring(rc);
        try {
            for (int op : REQUIRED_OPCODES) {
                if (!ring.supports(op)) {
                    return Optional.of("kernel io_uring lacks opcode " + op + " (needs Linux 5.6 or later)");
                }
            }
            return Optional.empty();
        } finally {
            ring.close();
        }
    }

    /** One line for a failed io_uring_setup, naming the likely culprit. */
    static String explainSetupFailure(int errno, String ioUringDisabled) {
        String why = "io_uring_setup failed: " + Errno.describe(-errno);
        if (errno == Errno.ENOSYS) {
            return why + " (kernel built without io_uring, or a seccomp filter blocks it)";
        }
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            if (ioUringDisabled != null && !ioUringDisabled.equals("0")) {
                return why + " (kernel.io_uring_disabled = " + ioUringDisabled + ")";
            }
            return why + " (a seccomp filter or security policy forbids it)";
        }
        return why;
    }

    private static String sysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim();
        } catch (Exception e) {
            return null;
        }
    }

    /** Probed once; callers log the cause where it changes what they do (one line, with their context). */
    private static final class Probe {
        static final Optional<String> CAUSE = probe();
    }

    private static native long create0(int entries, int cqEntries, int flags);

    private static native void destroy0(long ring);

    private static native int setupFlags0(long ring);

    private static native long probe0(long ring);

    private static native int registerBuffer0(long ring, long address, long length);

    private static native int registerFilesSparse0(long ring, int count);

    private static native int updateFile0(long ring, int slot, int fd);

    private static native int registerRingFd0(long ring);

    private static native int enter0(long ring, long descriptors, int count, long completions, int maxCompletions, long control);

    private static native long mmap0(long length);

    private static native int munmap0(long address, long length);
}
