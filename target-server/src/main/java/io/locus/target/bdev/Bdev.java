package io.locus.target.bdev;

import io.locus.target.backend.Backend;

import java.nio.file.Path;
import java.util.UUID;

/**
 * A named block device (SPDK's bdev): storage a subsystem exposes as a namespace. Created on its own
 * ({@code bdev_malloc_create}, ...) or implicitly by a configuration file's inline namespace, then added to a
 * subsystem ({@code nvmf_subsystem_add_ns}).
 *
 * @param name      unique name ({@code Malloc0}, a user's choice, ...)
 * @param kind      what stores the data
 * @param backend   the storage; the bdev owns it and closes it when deleted
 * @param blockSize logical block size in bytes, 512 or 4096
 * @param uuid      the bdev's UUID, also the UUID of a namespace made from it unless the namespace names its own
 * @param filename  the file or block device of an {@link Kind#AIO} or {@link Kind#URING} bdev, else null
 */
public record Bdev(String name, Kind kind, Backend backend, int blockSize, UUID uuid, Path filename) {
    /** Bdev modules, with SPDK's names: the {@code bdev_<module>_create} method and the product name it reports. */
    public enum Kind {
        MALLOC("malloc", "Malloc disk", "memory", "Malloc"),
        NULL("null", "Null disk", "null", "Null"),
        AIO("aio", "AIO disk", "file", "AIO"),
        URING("uring", "URING bdev", "uring", "Uring");

        /** The module name in method names: {@code bdev_<module>_create}. */
        public final String module;
        /** {@code product_name} in {@code bdev_get_bdevs}. */
        public final String productName;
        /** The backend name of Locus's own configuration ({@code memory}, {@code null}, {@code file}, {@code uring}). */
        public final String locusBackend;
        /** Prefix of generated names ({@code Malloc0}, ...). */
        public final String namePrefix;

        Kind(String module, String productName, String locusBackend, String namePrefix) {
            this.module = module;
            this.productName = productName;
            this.locusBackend = locusBackend;
            this.namePrefix = namePrefix;
        }

        /** The kind for a Locus configuration backend name. */
        public static Kind ofLocusBackend(String backend) {
            for (Kind k : values()) {
                if (k.locusBackend.equals(backend)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown backend " + backend);
        }
    }

    /** Number of logical blocks (the backend's current size; a null bdev can be resized). */
    public long numBlocks() {
        return backend.size() / blockSize;
    }

    /**
     * The namespace source string the target has always derived persistent namespace UUIDs from
     * ({@code file:/abs/path}, {@code memory}, ...), so a file served through a bdev keeps its identity.
     */
    public String namespaceSource() {
        return kind.locusBackend + (filename != null ? ":" + filename.toAbsolutePath() : "");
    }
}
