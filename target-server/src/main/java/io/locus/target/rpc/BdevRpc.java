package io.locus.target.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.locus.target.Target;
import io.locus.target.backend.Backend;
import io.locus.target.backend.FileBackend;
import io.locus.target.backend.MemoryBackend;
import io.locus.target.backend.NullBackend;
import io.locus.target.backend.UringBackend;
import io.locus.target.bdev.Bdev;
import io.locus.target.model.Namespace;
import io.locus.target.model.Subsystem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * SPDK's bdev methods for the modules Locus has (python/spdk/rpc/bdev.py; module/bdev/{malloc,null,aio,uring}):
 * create returns the bdev's name, delete returns true, {@code bdev_get_bdevs} lists them in SPDK's shape. Deleting a
 * bdev that a namespace uses removes that namespace first (SPDK's hot remove); {@code bdev_null_resize} grows or
 * shrinks a null bdev and tells the hosts of every namespace on it (Namespace Attribute Changed AEN, Changed
 * Namespace List).
 */
public final class BdevRpc {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final long MIB = 1 << 20;

    private final Target target;

    private BdevRpc(Target target) {
        this.target = target;
    }

    public static void register(RpcMethods methods, Target target) {
        BdevRpc b = new BdevRpc(target);
        methods.register("bdev_malloc_create", true, b::mallocCreate)
                .register("bdev_malloc_delete", true, p -> b.delete(p, Bdev.Kind.MALLOC))
                .register("bdev_null_create", true, b::nullCreate)
                .register("bdev_null_delete", true, p -> b.delete(p, Bdev.Kind.NULL))
                .register("bdev_null_resize", true, b::nullResize)
                .register("bdev_aio_create", true, p -> b.fileCreate(p, Bdev.Kind.AIO))
                .register("bdev_aio_delete", true, p -> b.delete(p, Bdev.Kind.AIO))
                .register("bdev_uring_create", true, p -> b.fileCreate(p, Bdev.Kind.URING))
                .register("bdev_uring_delete", true, p -> b.delete(p, Bdev.Kind.URING))
                .register("bdev_get_bdevs", false, b::getBdevs);
    }

    private JsonNode mallocCreate(RpcParams p) throws RpcException {
        p.allowOnly("name", "num_blocks", "block_size", "uuid");
        int blockSize = blockSize(p, true, 0);
        long blocks = p.integer("num_blocks", 1, Long.MAX_VALUE / blockSize);
        String name = name(p, Bdev.Kind.MALLOC);
        return add(new Bdev(name, Bdev.Kind.MALLOC, new MemoryBackend(blocks * blockSize), blockSize, uuid(p), null));
    }

    private JsonNode nullCreate(RpcParams p) throws RpcException {
        p.allowOnly("name", "num_blocks", "block_size", "uuid");
        String name = p.string("name");
        int blockSize = blockSize(p, true, 0);
        long blocks = p.integer("num_blocks", 1, Long.MAX_VALUE / blockSize);
        checkFree(name);
        return add(new Bdev(name, Bdev.Kind.NULL, new NullBackend(blocks * blockSize), blockSize, uuid(p), null));
    }

    /** {@code bdev_aio_create} / {@code bdev_uring_create}: an existing file or block device, 512-byte blocks unless told. */
    private JsonNode fileCreate(RpcParams p, Bdev.Kind kind) throws RpcException {
        p.allowOnly("name", "filename", "block_size", "uuid");
        String name = p.string("name");
        Path file = Path.of(p.string("filename"));
        int blockSize = blockSize(p, false, 512);
        checkFree(name);
        if (!Files.exists(file)) {
            throw RpcException.invalidParams("'filename': " + file + " does not exist");
        }
        Backend backend;
        try {
            int threads = target.config().limits().fileIoThreads();
            backend = kind == Bdev.Kind.AIO ? new FileBackend(file, 0, threads) : UringBackend.open(file, 0, blockSize, threads);
        } catch (IOException | RuntimeException e) {
            throw new RpcException(RpcException.INTERNAL_ERROR, "Unable to open " + file + ": " + e.getMessage());
        }
        if (backend.size() < blockSize) {
            backend.close();
            throw RpcException.invalidParams("'filename': " + file + " is smaller than one " + blockSize + "-byte block");
        }
        UUID uuid = p.has("uuid") ? uuid(p)
                : UUID.nameUUIDFromBytes((kind.module + ":" + file.toAbsolutePath()).getBytes(StandardCharsets.UTF_8));
        return add(new Bdev(name, kind, backend, blockSize, uuid, file));
    }

    private JsonNode nullResize(RpcParams p) throws RpcException {
        p.allowOnly("name", "new_size");
        Bdev b = existing(p.string("name"), Bdev.Kind.NULL);
        long mib = p.integer("new_size", 1, Long.MAX_VALUE / MIB);
        long bytes = mib * MIB;
        if (bytes % b.blockSize() != 0) {
            throw RpcException.invalidParams("'new_size' " + mib + " MiB is not a multiple of the block size");
        }
        ((NullBackend) b.backend()).resize(bytes);
        for (Subsystem s : target.subsystems()) {
            for (Namespace ns : s.namespaces()) {
                if (ns.backend() == b.backend()) {
                    ns.refreshSize();
                    s.notifyChanged(ns.nsid());
                }
            }
        }
        return BooleanNode.TRUE;
    }

    private JsonNode delete(RpcParams p, Bdev.Kind kind) throws RpcException {
        p.allowOnly("name");
        Bdev b = existing(p.string("name"), kind);
        // SPDK hot-removes the bdev from the subsystems using it; here: each namespace on it is removed (drained).
        for (Subsystem s : target.subsystems()) {
            for (Namespace ns : s.namespaces()) {
                if (ns.backend() == b.backend()) {
                    target.removeNamespace(s.nqn(), ns.nsid());
                }
            }
        }
        target.bdevs().remove(b.name());
        b.backend().close();
        return BooleanNode.TRUE;
    }

    private JsonNode getBdevs(RpcParams p) throws RpcException {
        p.allowOnly("name", "timeout");
        ArrayNode out = JSON.arrayNode();
        String only = p.string("name", null);
        if (only != null && target.bdevs().get(only) == null) {
            throw RpcException.noSuchDevice(only);
        }
        for (Bdev b : target.bdevs().list()) {
            if (only == null || only.equals(b.name())) {
                out.add(describe(b));
            }
        }
        return out;
    }

    private ObjectNode describe(Bdev b) {
        ObjectNode o = JSON.objectNode();
        o.put("name", b.name());
        o.putArray("aliases");
        o.put("product_name", b.kind().productName);
        o.put("block_size", b.blockSize());
        o.put("num_blocks", b.numBlocks());
        o.put("uuid", b.uuid().toString());
        o.put("claimed", user(target, b) != null);
        o.put("zoned", false);
        ObjectNode io = o.putObject("supported_io_types");
        io.put("read", true);
        io.put("write", true);
        io.put("flush", true);
        io.put("unmap", true);
        io.put("write_zeroes", true);
        io.put("reset", false);
        ObjectNode driver = o.putObject("driver_specific");
        if (b.filename() != null) {
            driver.putObject(b.kind().module).put("filename", b.filename().toString());
        }
        return o;
    }

    /** "namespace N of NQN" when a namespace uses the bdev, else null. */
    static String user(Target target, Bdev b) {
        for (Subsystem s : target.subsystems()) {
            for (Namespace ns : s.namespaces()) {
                if (ns.backend() == b.backend()) {
                    return "namespace " + ns.nsid() + " of " + s.nqn();
                }
            }
        }
        return null;
    }

    private JsonNode add(Bdev b) throws RpcException {
        try {
            target.bdevs().add(b);
        } catch (IllegalStateException e) {
            b.backend().close();
            throw new RpcException(RpcException.EEXIST, "File exists: bdev " + b.name() + " already exists");
        }
        return TextNode.valueOf(b.name());
    }

    private String name(RpcParams p, Bdev.Kind kind) throws RpcException {
        if (p.has("name")) {
            String name = p.string("name");
            checkFree(name);
            return name;
        }
        return target.bdevs().nextName(kind.namePrefix);
    }

    private void checkFree(String name) throws RpcException {
        if (name.isEmpty()) {
            throw RpcException.invalidParams("'name' must not be empty");
        }
        if (target.bdevs().get(name) != null) {
            throw new RpcException(RpcException.EEXIST, "File exists: bdev " + name + " already exists");
        }
    }

    private Bdev existing(String name, Bdev.Kind kind) throws RpcException {
        Bdev b = target.bdevs().get(name);
        if (b == null || b.kind() != kind) {
            throw RpcException.noSuchDevice(kind.module + " bdev " + name);
        }
        return b;
    }

    private static int blockSize(RpcParams p, boolean required, int otherwise) throws RpcException {
        if (!required && !p.has("block_size")) {
            return otherwise;
        }
        long bs = p.integer("block_size");
        if (bs != 512 && bs != 4096) {
            throw RpcException.invalidParams("'block_size' must be 512 or 4096, not " + bs);
        }
        return (int) bs;
    }

    private static UUID uuid(RpcParams p) throws RpcException {
        if (!p.has("uuid")) {
            return UUID.randomUUID(); // SPDK gives a malloc or null bdev a random UUID too
        }
        try {
            return UUID.fromString(p.string("uuid"));
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams("'uuid' is not a UUID");
        }
    }
}
