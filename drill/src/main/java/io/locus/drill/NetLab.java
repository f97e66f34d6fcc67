package io.locus.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * The drill's network: per node, one network namespace joined to the root namespace by a veth pair with a private
 * /30 ({@code 10.241.K.4i+1} on the host's end, {@code .4i+2} on the node's). Faults act on the host's end: link
 * down/up, and {@code tc netem} on both ends (loss, delay, corruption).
 * <p>
 * Each /30 also gets a blackhole route of low priority (metric {@value #BLACKHOLE_METRIC}): while a link is down its
 * connected route is gone, and without it the host's packets to the node would follow the default route out of the
 * machine (and something out there might even answer); with it they vanish, as in a real partition.
 * <p>
 * Everything created is named after this process ({@code ldrill<pid>n<i>}, {@code ld<pid>h<i>} /
 * {@code ld<pid>n<i>}) and removed by {@link #close} (also from the drill's shutdown hook on Ctrl-C); leftovers of
 * a drill whose process is gone are removed when the next one starts. Needs root and iproute2's {@code ip}; netem
 * needs the {@code sch_netem} qdisc in the kernel ({@link #netemUnavailable}).
 */
public final class NetLab implements AutoCloseable {
    /** One node's link: its namespace, the two veth ends and their addresses. */
    public record Link(String netns, String hostIf, String nodeIf, String hostAddress, String nodeAddress,
                       String subnet) {
    }

    /** Metric of the blackhole routes (below every connected route in priority). */
    static final int BLACKHOLE_METRIC = 4242;

    private final List<Link> links = new ArrayList<>();
    private boolean closed;

    private NetLab() {
    }

    /** Null when this machine can run drills, else one line saying why not (not root, no {@code ip}, no netns). */
    public static String unavailable() {
        if (!uidZero()) {
            return "drills need root (network namespaces and veth pairs); run as root";
        }
        Shell.Result ip = Shell.run(List.of("ip", "-V"));
        if (!ip.ok()) {
            return "drills need iproute2's 'ip' command: " + ip.output();
        }
        String probe = "ldrillprobe" + ProcessHandle.current().pid();
        Shell.Result add = Shell.run(List.of("ip", "netns", "add", probe));
        if (!add.ok()) {
            return "cannot create a network namespace (ip netns add): " + add.output();
        }
        Shell.quietly("ip", "netns", "del", probe);
        return null;
    }

    private static boolean uidZero() {
        Shell.Result id = Shell.run(List.of("id", "-u"));
        return id.ok() && id.output().equals("0");
    }

    /** Creates {@code nodes} namespaces and veth pairs, removing leftovers of dead drills first. */
    public static NetLab create(int nodes) {
        removeLeftovers();
        NetLab lab = new NetLab();
        try {
            long pid = ProcessHandle.current().pid();
            int k = freeSubnet();
            for (int i = 0; i < nodes; i++) {
                String ns = "ldrill" + pid + "n" + i;
                String hostIf = "ld" + pid + "h" + i;
                String nodeIf = "ld" + pid + "n" + i;
                String hostAddr = "10.241." + k + "." + (4 * i + 1);
                String nodeAddr = "10.241." + k + "." + (4 * i + 2);
                String subnet = "10.241." + k + "." + (4 * i) + "/30";
                Link link = new Link(ns, hostIf, nodeIf, hostAddr, nodeAddr, subnet);
                lab.links.add(link);
                Shell.check("ip", "route", "replace", "blackhole", subnet, "metric",
                        Integer.toString(BLACKHOLE_METRIC));
                Shell.check("ip", "netns", "add", ns);
                Shell.check("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nodeIf);
                Shell.check("ip", "link", "set", nodeIf, "netns", ns);
                Shell.check("ip", "addr", "add", hostAddr + "/30", "dev", hostIf);
                Shell.check("ip", "link", "set", hostIf, "up");
                Shell.check("ip", "-n", ns, "addr", "add", nodeAddr + "/30", "dev", nodeIf);
                Shell.check("ip", "-n", ns, "link", "set", nodeIf, "up");
                Shell.check("ip", "-n", ns, "link", "set", "lo", "up");
            }
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** The first K in 10.241.K.0/24 with no address on this host. */
    private static int freeSubnet() {
        String addrs = Shell.check("ip", "-4", "-o", "addr", "show");
        for (int k = 0; k < 256; k++) {
            if (!addrs.contains("10.241." + k + ".")) {
                return k;
            }
        }
        throw new IllegalStateException("no free 10.241.K.0/24 for the drill's links");
    }

    /**
     * Deletes namespaces and host-side veths named after drill processes that no longer run, and blackhole routes of
     * subnets no live drill uses.
     */
    private static void removeLeftovers() {
        for (String line : Shell.run(List.of("ip", "netns", "list")).output().split("\n")) {
            String name = line.strip().split(" ")[0];
            Long pid = pidOf(name, "ldrill");
            if (pid != null && ProcessHandle.of(pid).isEmpty()) {
                Shell.quietly("ip", "netns", "del", name);
            }
        }
        for (String line : Shell.run(List.of("ip", "-o", "link", "show")).output().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length < 2) {
                continue;
            }
            String name = f[1].split("@")[0];
            Long pid = pidOf(name, "ld");
            if (pid != null && ProcessHandle.of(pid).isEmpty()) {
                Shell.quietly("ip", "link", "del", name);
            }
        }
        String addrs = Shell.run(List.of("ip", "-4", "-o", "addr", "show")).output();
        for (String line : Shell.run(List.of("ip", "route", "show", "type", "blackhole")).output().split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 2 && f[1].startsWith("10.241.") && line.contains("metric " + BLACKHOLE_METRIC)) {
                String prefix = f[1].substring(0, f[1].lastIndexOf('.') + 1);
                if (!addrs.contains(prefix)) {
                    Shell.quietly("ip", "route", "del", "blackhole", f[1], "metric", Integer.toString(BLACKHOLE_METRIC));
                }
            }
        }
    }

    /** The pid in {@code <prefix><pid>[hn]<i>}, or null when the name is not one of ours. */
    static Long pidOf(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return null;
        }
        String rest = name.substring(prefix.length());
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        if (end == 0 || end + 1 >= rest.length() || (rest.charAt(end) != 'h' && rest.charAt(end) != 'n')) {
            return null;
        }
        for (int i = end + 1; i < rest.length(); i++) {
            if (!Character.isDigit(rest.charAt(i))) {
                return null;
            }
        }
        return Long.parseLong(rest.substring(0, end));
    }

    public Link link(int node) {
        return links.get(node);
    }

    public int size() {
        return links.size();
    }

    /** {@code ip link set down} on the host's end: packets stop, nobody is told (no reset). */
    public void down(int node) {
        Shell.check("ip", "link", "set", links.get(node).hostIf(), "down");
    }

    public void up(int node) {
        Shell.check("ip", "link", "set", links.get(node).hostIf(), "up");
    }

    /**
     * Null when {@code tc netem} works here, else one line saying why not (probed on node 0's link, which it leaves
     * without a qdisc).
     */
    public String netemUnavailable() {
        Shell.Result r = Shell.run(List.of("tc", "qdisc", "replace", "dev", links.getFirst().hostIf(), "root", "netem",
                "delay", "0ms"));
        if (!r.ok()) {
            return "tc netem unavailable here (the kernel needs sch_netem, and iproute2's tc): " + r.output();
        }
        Shell.quietly("tc", "qdisc", "del", "dev", links.getFirst().hostIf(), "root");
        return null;
    }

    /** Puts {@code netem ARGS} on both ends of the node's link (e.g. {@code loss 100%}, {@code delay 50ms}). */
    public void netem(int node, String... args) {
        Link l = links.get(node);
        List<String> host = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", l.hostIf(), "root", "netem"));
        host.addAll(List.of(args));
        Shell.check(host.toArray(new String[0]));
        List<String> peer = new ArrayList<>(List.of("ip", "netns", "exec", l.netns(), "tc", "qdisc", "replace", "dev",
                l.nodeIf(), "root", "netem"));
        peer.addAll(List.of(args));
        Shell.check(peer.toArray(new String[0]));
    }

    /** Removes netem from both ends of the node's link. */
    public void clearNetem(int node) {
        Link l = links.get(node);
        Shell.quietly("tc", "qdisc", "del", "dev", l.hostIf(), "root");
        Shell.quietly("ip", "netns", "exec", l.netns(), "tc", "qdisc", "del", "dev", l.nodeIf(), "root");
    }

    /** Deletes every namespace and veth made here (deleting a namespace deletes the veth pair in it). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Link l : links) {
            Shell.quietly("ip", "netns", "del", l.netns());
            Shell.quietly("ip", "link", "del", l.hostIf());
            Shell.quietly("ip", "route", "del", "blackhole", l.subnet(), "metric", Integer.toString(BLACKHOLE_METRIC));
        }
    }
}
