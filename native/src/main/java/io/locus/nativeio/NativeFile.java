package io.locus.nativeio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A raw file descriptor for io_uring: opened with flags Java cannot ask for (O_DIRECT), sized the way block devices
 * need (BLKGETSIZE64), and closed explicitly. Failures are {@link IOException}s naming the path and the errno.
 */
public final class NativeFile implements AutoCloseable {
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_DIRECT = 040000;
    public static final int O_CLOEXEC = 02000000;

    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /** What the descriptor refers to. */
    public enum Type {
        REGULAR,
        BLOCK_DEVICE,
        OTHER
    }

    private final Path path;
    private final int fd;
    private final int flags;
    private boolean closed;

    private NativeFile(Path path, int fd, int flags) {
        this.path = path;
        this.fd = fd;
        this.flags = flags;
    }

    /**
     * Opens {@code path} with open(2) {@code flags}; {@code mode} applies when O_CREAT creates it.
     *
     * @throws IOException with the errno; {@link #errno(IOException)} recovers it
     */
    public static NativeFile open(Path path, int flags, int mode) throws IOException {
        NativeLibrary.ensureAvailable();
        int fd = open0(path.toString().getBytes(StandardCharsets.UTF_8), flags | O_CLOEXEC, mode);
        if (fd < 0) {
            throw new ErrnoException("open " + path, fd);
        }
        return new NativeFile(path, fd, flags);
    }

    /** The negative errno carried by an exception from this class, or 0. */
    public static int errno(IOException e) {
        return e instanceof ErrnoException x ? x.rc : 0;
    }

    public int fd() {
        return fd;
    }

    public Path path() {
        return path;
    }

    public boolean direct() {
        return (flags & O_DIRECT) != 0;
    }

    public Type type() throws IOException {
        int t = check("fstat", type0(fd));
        return t == 1 ? Type.REGULAR : t == 2 ? Type.BLOCK_DEVICE : Type.OTHER;
    }

    /** Bytes in the file, or in the block device. */
    public long size() throws IOException {
        long s = size0(fd);
        if (s < 0) {
            throw new ErrnoException("size of " + path, (int) s);
        }
        return s;
    }

    /** Major and minor device number of a block device: {@code major << 32 | minor}. */
    public long deviceNumber() throws IOException {
        long d = rdev0(fd);
        if (d < 0) {
            throw new ErrnoException("fstat " + path, (int) d);
        }
        return d;
    }

    /**
     * O_DIRECT alignment as {@code memoryAlignment << 32 | offsetAlignment}: 0 when the kernel does not say; an
     * offset alignment of 0 with a known answer means the file does not support O_DIRECT.
     */
    public long directIoAlignment() {
        return directIoAlignment0(fd);
    }

    public void truncate(long length) throws IOException {
        check("ftruncate " + length, ftruncate0(fd, length));
    }

    public void fdatasync() throws IOException {
        check("fdatasync", fdatasync0(fd));
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            check("close", close0(fd));
        }
    }

    private int check(String what, int rc) throws IOException {
        if (rc < 0) {
            throw new ErrnoException(what + " " + path, rc);
        }
        return rc;
    }

    /** An I/O failure with its errno. */
    private static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        final int rc;

        ErrnoException(String what, int rc) {
            super(what + " failed: " + Errno.describe(rc));
            this.rc = rc;
        }
    }

    private static native int open0(byte[] path, int flags, int mode);

    private static native int close0(int fd);

    private static native int fdatasync0(int fd);

    private static native int ftruncate0(int fd, long length);

    private static native int type0(int fd);

    private static native long size0(int fd);

    private static native long rdev0(int fd);

    private static native long directIoAlignment0(int fd);
}
