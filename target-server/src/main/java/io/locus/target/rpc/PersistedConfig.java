package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.locus.target.Target;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code --persist FILE}: the target's configuration in SPDK's format, rewritten after every accepted change so a
 * restart comes back as it was. Each write is atomic: a temporary file in the same directory is written and
 * fsynced, renamed over the file, and the directory fsynced, so a crash leaves the old or the new file, never half
 * of one.
 */
public final class PersistedConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PersistedConfig() {
    }

    /** Saves {@code target} to {@code file} now and after every configuration change made through {@code methods}. */
    public static void attach(Target target, RpcMethods methods, Path file) throws IOException, RpcException {
        write(file, SpdkJsonConfig.save(target));
        methods.afterChange(() -> {
            try {
                write(file, SpdkJsonConfig.save(target));
            } catch (IOException e) {
                throw new RpcException(RpcException.INTERNAL_ERROR, "writing " + file + " failed: " + e.getMessage());
            }
        });
    }

    /** Writes {@code config} to {@code file} atomically (temp, fsync, rename, fsync of the directory). */
    public static void write(Path file, JsonNode config) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = Files.createTempFile(dir, abs.getFileName() + ".", ".tmp");
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // Some filesystems cannot fsync a directory; the rename itself is still atomic.
        }
    }
}
