package io.locus.initiator.bench;

import io.locus.protocol.fabrics.FabricsCommand;
import io.locus.protocol.fabrics.Property;
import io.locus.protocol.nvme.AdminOpcode;
import io.locus.protocol.nvme.Feature;
import io.locus.protocol.nvme.IdentifyController;
import io.locus.protocol.nvme.IdentifyNamespace;
import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.tcp.CommonHeader;
import io.locus.protocol.tcp.PduType;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A null-backend NVMe/TCP target for measuring the host: answers reads with zeroes and writes with success as fast as
 * one Netty event loop can (no digests). Test code, not a product: it knows only what {@code locus perf} sends.
 */
public final class BenchTarget implements AutoCloseable {
    public static final String NQN = "nqn.2024-01.io.locus:bench";
    private final EventLoopGroup group;
    private final Channel server;
    private final boolean success;
    private final AtomicInteger openConnections = new AtomicInteger();

    public BenchTarget(int port, int threads, boolean c2hSuccess) throws InterruptedException {
        this.success = c2hSuccess;
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Conn());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections whose per-connection buffers are still held (released when a connection goes away). */
    public int openConnections() {
        return openConnections.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4420;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        try (BenchTarget t = new BenchTarget(port, threads, args.length > 2 && Boolean.parseBoolean(args[2]))) {
            System.out.println("bench target on port " + t.port());
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private final class Conn extends ChannelInboundHandlerAdapter {
        private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        private ByteBuf zeroes;
        private ByteBuf cumulation;
        private int qid;
        private int cc;
        /** Bytes still expected per CID of writes answered with an R2T. */
        private final int[] writeRemaining = new int[65536];

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            zeroes = alloc.directBuffer(1 << 20).writeZero(1 << 20);
            cumulation = alloc.directBuffer(1 << 20);
            openConnections.incrementAndGet();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            zeroes.release();
            cumulation.release();
            openConnections.decrementAndGet();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf m = (ByteBuf) msg;
            cumulation.discardReadBytes();
            cumulation.writeBytes(m);
            m.release();
            decode(ctx, cumulation);
        }

        private void decode(ChannelHandlerContext ctx, ByteBuf in) {
            while (in.readableBytes() >= 8) {
                int base = in.readerIndex();
                int plen = in.getIntLE(base + 4);
                if (in.readableBytes() < plen) {
                    return;
                }
                handle(ctx, in, base, plen);
                in.readerIndex(base + plen);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        private void handle(ChannelHandlerContext ctx, ByteBuf in, int base, int plen) {
            int type = in.getUnsignedByte(base);
            if (type == PduType.IC_REQ) {
                ByteBuf r = alloc.directBuffer(128).writeZero(128);
                r.setByte(0, PduType.IC_RESP).setByte(2, 128).setIntLE(4, 128).setIntLE(12, 1 << 20);
                ctx.write(r);
                return;
            }
            if (type == PduType.H2C_DATA) {
                int cccid = in.getUnsignedShortLE(base + 8);
                int datal = in.getIntLE(base + 16);
                writeRemaining[cccid] -= datal;
                if (writeRemaining[cccid] <= 0) {
                    respond(ctx, cccid, 0, 0);
                }
                return;
            }
            if (type != PduType.CAPSULE_CMD) {
                ctx.close();
                return;
            }
            int sqe = base + 8;
            int opcode = in.getUnsignedByte(sqe);
            int cid = in.getUnsignedShortLE(sqe + 2);
            int nsid = in.getIntLE(sqe + 4);
            int sglLength = in.getIntLE(sqe + 24 + 8);
            int cdw10 = in.getIntLE(sqe + 40);
            int cdw11 = in.getIntLE(sqe + 44);
            int cdw12 = in.getIntLE(sqe + 48);
            int pdo = in.getUnsignedByte(base + 3);
            if (opcode == AdminOpcode.FABRICS) {
                int fctype = nsid & 0xFF;
                if (fctype == FabricsCommand.CONNECT) {
                    qid = cdw10 >>> 16;
                    respond(ctx, cid, 1, 0);
                } else if (fctype == FabricsCommand.PROPERTY_GET) {
                    long v = switch (cdw11) {
                        case Property.CAP -> 1023L | (1L << 16) | (2L << 24) | (1L << 37);
                        case Property.VS -> Property.VS_1_3;
                        case Property.CSTS -> (cc & 1) | (((cc >>> 14) & 3) != 0 ? Property.CSTS_SHST_COMPLETE : 0);
                        default -> cc;
                    };
                    respond(ctx, cid, (int) v, (int) (v >>> 32));
                } else {
                    if (cdw11 == Property.CC) {
                        cc = cdw12;
                    }
                    respond(ctx, cid, 0, 0);
                }
                return;
            }
            if (qid == 0) {
                switch (opcode) {
                    case AdminOpcode.IDENTIFY -> {
                        ByteBuf data = alloc.heapBuffer(4096).writeZero(4096);
                        int cns = cdw10 & 0xFF;
                        if (cns == IdentifyNamespace.CNS_CONTROLLER) {
                            data.setByte(IdentifyController.MDTS, 5);
                            data.setShortLE(IdentifyController.CNTLID, 1);
                            data.setByte(IdentifyController.CNTRLTYPE, 1);
                            data.setByte(IdentifyController.AERL, 3);
                            data.setIntLE(IdentifyController.NN, 1);
                            data.setIntLE(IdentifyController.IOCCSZ, (8192 + 64) / 16);
                            data.setBytes(IdentifyController.MN, "Locus bench target".getBytes(StandardCharsets.US_ASCII));
                            data.setBytes(IdentifyController.SUBNQN, NQN.getBytes(StandardCharsets.US_ASCII));
                        } else if (cns == IdentifyNamespace.CNS_NAMESPACE && nsid == 1) {
                            data.setLongLE(IdentifyNamespace.NSZE, 1L << 28).setLongLE(IdentifyNamespace.NCAP, 1L << 28);
                            data.setIntLE(IdentifyNamespace.LBAF0, 12 << 16);
                        } else if (cns == IdentifyNamespace.CNS_ACTIVE_NSID_LIST && nsid == 0) {
                            data.setIntLE(0, 1);
                        }
                        sendData(ctx, cid, data, 0, 4096, false);
                        data.release();
                        respond(ctx, cid, 0, 0);
                    }
                    case AdminOpcode.SET_FEATURES -> {
                        int fid = cdw10 & 0xFF;
                        respond(ctx, cid, fid == Feature.NUMBER_OF_QUEUES ? cdw11 : 0, 0);
                    }
                    case AdminOpcode.ASYNC_EVENT_REQUEST -> {
                        // held forever
                    }
                    default -> respond(ctx, cid, 0, 0);
                }
                return;
            }
            switch (opcode) {
                case NvmOpcode.READ -> {
                    int len = sglLength;
                    for (int off = 0; off < len; off += zeroes.capacity()) {
                        int n = Math.min(zeroes.capacity(), len - off);
                        sendData(ctx, cid, zeroes, off, n, off + n == len);
                    }
                    if (!success) {
                        respond(ctx, cid, 0, 0);
                    }
                }
                case NvmOpcode.WRITE -> {
                    int inline = pdo == 0 ? 0 : plen - pdo;
                    if (inline >= sglLength) {
                        respond(ctx, cid, 0, 0);
                    } else {
                        writeRemaining[cid] = sglLength;
                        ByteBuf r = alloc.directBuffer(24).writeZero(24);
                        r.setByte(0, PduType.R2T).setByte(2, 24).setIntLE(4, 24);
                        r.setShortLE(8, cid).setShortLE(10, 1).setIntLE(12, 0).setIntLE(16, sglLength);
                        ctx.write(r);
                    }
                }
                default -> respond(ctx, cid, 0, 0);
            }
        }

        private void sendData(ChannelHandlerContext ctx, int cid, ByteBuf src, int offset, int n, boolean last) {
            ByteBuf h = alloc.directBuffer(24).writeZero(24);
            int flags = (last ? CommonHeader.FLAG_LAST_PDU : 0) | (last && success && qid > 0 ? CommonHeader.FLAG_SUCCESS : 0);
            h.setByte(0, PduType.C2H_DATA).setByte(1, flags).setByte(2, 24).setByte(3, 24).setIntLE(4, 24 + n);
            h.setShortLE(8, cid).setIntLE(12, offset).setIntLE(16, n);
            ctx.write(h);
            ctx.write(src.retainedSlice(src == zeroes ? 0 : offset, n));
        }

        private void respond(ChannelHandlerContext ctx, int cid, int dw0, int dw1) {
            ByteBuf r = alloc.directBuffer(24).writeZero(24);
            r.setByte(0, PduType.CAPSULE_RESP).setByte(2, 24).setIntLE(4, 24);
            r.setIntLE(8, dw0).setIntLE(12, dw1).setShortLE(18, qid).setShortLE(20, cid);
            ctx.write(r);
        }
    }
}
