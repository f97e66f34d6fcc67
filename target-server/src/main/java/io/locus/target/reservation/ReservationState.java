package io.locus.target.reservation;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reservation state of one namespace (NVMe Base 8.19): the registrants (host identifier and registration key),
 * the holder and type of the reservation, the generation (PRGEN) and whether it persists through power loss (PTPL).
 * Registrations belong to a host, not a controller: every controller that connected with the same HOSTID acts as the
 * same registrant, as in Linux nvmet ({@code drivers/nvme/target/pr.c}) and SPDK ({@code lib/nvmf/ctrlr.c}).
 *
 * <p>Semantics (where the spec leaves room, the choice and its source):
 * <ul>
 *   <li>Register of a host already registered succeeds when NRKEY is its key and conflicts otherwise; a zero NRKEY
 *       is Invalid Field (SPDK; PRKEY 0 has a meaning in Preempt, so no registrant may hold key 0).</li>
 *   <li>Replace by a host that is not registered conflicts, with or without IEKEY (Linux).</li>
 *   <li>PRGEN counts every successful Register (any action), Preempt, Preempt and Abort, and Clear (Linux, NVMe Base
 *       8.19.6); Acquire and Release leave it.</li>
 *   <li>Unregistering the holder of a Registrants Only or Write Exclusive / Exclusive Access reservation releases it
 *       (Reservation Released to the other registrants for the Registrants Only types); under an All Registrants
 *       type the reservation stays while any registrant remains.</li>
 *   <li>Preempt: with no reservation, the registrants with PRKEY are unregistered (none: conflict); under an All
 *       Registrants type PRKEY 0 takes the reservation and unregisters every other registrant; PRKEY equal to the
 *       holder's key moves the reservation to this host (new type) and unregisters the others holding that key; any
 *       other non-zero PRKEY unregisters its registrants; PRKEY 0 otherwise is Invalid Field (Linux).</li>
 *   <li>Preempt and Abort is Preempt: Locus has no command abort, and a command of a preempted host that has not yet
 *       executed is checked again when it executes (see {@link #access}), so nothing it sends afterwards runs.</li>
 *   <li>Release with an RTYPE other than the reservation's is Invalid Field (SPDK, NVMe Base 7.9); a release by a
 *       registrant that holds nothing succeeds and changes nothing.</li>
 * </ul>
 *
 * <p>Threading: commands change the state under this object's monitor (reservation commands are rare); the read and
 * write path reads one volatile immutable {@link Access} and takes no lock. Notifications are returned to the caller
 * as {@link Notice}s, which it delivers to the controllers of those hosts.
 */
public final class ReservationState {
    public static final int WRITE_EXCLUSIVE = 1;
    public static final int EXCLUSIVE_ACCESS = 2;
    public static final int WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 3;
    public static final int EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 4;
    public static final int WRITE_EXCLUSIVE_ALL_REGISTRANTS = 5;
    public static final int EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 6;

    /** Reservation Register actions (RREGA, CDW10 b2:0). */
    public static final int REGISTER = 0;
    public static final int UNREGISTER = 1;
    public static final int REPLACE = 2;
    /** Change Persist Through Power Loss (CPTPL, CDW10 b31:30) of Register: 00b no change, 10b clear, 11b set. */
    public static final int CPTPL_NO_CHANGE = 0;
    public static final int CPTPL_CLEAR = 2;
    public static final int CPTPL_SET = 3;
    /** Reservation Acquire actions (RACQA). */
    public static final int ACQUIRE = 0;
    public static final int PREEMPT = 1;
    public static final int PREEMPT_AND_ABORT = 2;
    /** Reservation Release actions (RRELA). */
    public static final int RELEASE = 0;
    public static final int CLEAR = 1;

    /** Reservation Notification log page types. */
    public static final int REGISTRATION_PREEMPTED = 1;
    public static final int RESERVATION_RELEASED = 2;
    public static final int RESERVATION_PREEMPTED = 3;

    /** Reservation Status data structure: header and registrant entry sizes, plain (EDS 0) and extended (EDS 1). */
    public static final int REPORT_HEADER = 24;
    public static final int REPORT_ENTRY = 24;
    public static final int REPORT_EXTENDED_HEADER = 64;
    public static final int REPORT_EXTENDED_ENTRY = 64;
    /** CNTLID in a registrant entry: registrations belong to hosts, with a dynamic controller model (Linux: 0xFFFF). */
    private static final int DYNAMIC_CNTLID = 0xFFFF;

    private static final int CONFLICT = Status.RESERVATION_CONFLICT | Status.DNR;
    private static final int INVALID_FIELD = Status.INVALID_FIELD | Status.DNR;

    /** A notification for the controllers of {@code host}: a Reservation Notification log page type. */
    public record Notice(HostId host, int type) {
    }

    /**
     * What the read and write path needs, published whole on every change while a reservation is held (null when
     * none is): the type, the holder and the registrants.
     */
    record Access(int type, HostId holder, HostId[] registrants) {
        boolean registered(HostId host) {
            for (HostId r : registrants) {
                if (r.equals(host)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Registrants in registration order (an All Registrants holder passes to the first remaining one). */
    private final Map<HostId, Long> registrants = new LinkedHashMap<>();
    private HostId holder;
    private int type;
    private int generation;
    private boolean ptpl;
    private volatile Access access;
    /** Bumped on every change; {@link #persist} writes when it differs from what was last written. */
    private long version;
    private ReservationStore store;
    private final Object persistLock = new Object();
    private long persistedVersion;

    /** Loads the state saved beside a persistent namespace and keeps it there from now on (PTPL capable). */
    public synchronized void attach(ReservationStore store) throws IOException {
        ReservationStore.Saved saved = store.load();
        if (saved != null) {
            for (ReservationStore.SavedRegistrant r : saved.registrants()) {
                registrants.put(HostId.parse(r.hostId()), Long.parseUnsignedLong(r.key(), 16));
            }
            holder = saved.holder() == null ? null : HostId.parse(saved.holder());
            type = saved.type();
            generation = (int) saved.generation();
            ptpl = saved.ptpl();
            publish();
        }
        this.store = store;
        synchronized (persistLock) {
            persistedVersion = version;
        }
    }

    /** Whether PTPL may be set: the namespace has a file beside which the state can be kept. */
    public synchronized boolean ptplCapable() {
        return store != null;
    }

    public synchronized boolean ptpl() {
        return ptpl;
    }

    /** Reservation Persistence feature: PTPL on or off. Invalid Field when turning it on without a store. */
    public synchronized int setPtpl(boolean on) {
        if (on && store == null) {
            return INVALID_FIELD;
        }
        if (ptpl != on) {
            ptpl = on;
            changed();
        }
        return Status.SUCCESS;
    }

    public synchronized int generation() {
        return generation;
    }

    /** The reservation type held, 0 for none. */
    public synchronized int type() {
        return type;
    }

    public synchronized HostId holder() {
        return holder;
    }

    /** The registration key of {@code host}, or null when it is not registered. */
    public synchronized Long key(HostId host) {
        return registrants.get(host);
    }

    // ---- read and write path ------------------------------------------------------------------------------

    /**
     * Whether {@code host} may run I/O command {@code opcode} under the reservation held (NVMe Base 8.19, "Command
     * behavior in the presence of a reservation"): success, or Reservation Conflict + DNR. The read command group is
     * Read, the write group Write, Write Zeroes, Dataset Management and Flush, as Linux nvmet groups them; other
     * commands (the reservation commands among them) are not restricted here. No lock, nothing allocated.
     */
    public int access(HostId host, int opcode) {
        Access a = access;
        if (a == null) {
            return Status.SUCCESS;
        }
        boolean write = switch (opcode) {
            case NvmOpcode.WRITE, NvmOpcode.WRITE_ZEROES, NvmOpcode.DATASET_MANAGEMENT, NvmOpcode.FLUSH -> true;
            default -> false;
        };
        if (!write && opcode != NvmOpcode.READ) {
            return Status.SUCCESS;
        }
        if (host.equals(a.holder)) {
            return Status.SUCCESS;
        }
        return switch (a.type) {
            case WRITE_EXCLUSIVE -> write ? CONFLICT : Status.SUCCESS;
            case EXCLUSIVE_ACCESS -> CONFLICT;
            case WRITE_EXCLUSIVE_REGISTRANTS_ONLY, WRITE_EXCLUSIVE_ALL_REGISTRANTS ->
                    write && !a.registered(host) ? CONFLICT : Status.SUCCESS;
            default -> a.registered(host) ? Status.SUCCESS : CONFLICT;
        };
    }

    // ---- commands -----------------------------------------------------------------------------------------

    /** Reservation Register (NVMe Base 7.7) for {@code host}; returns a status, adds notifications to {@code out}. */
    public synchronized int register(HostId host, int action, boolean ignoreExistingKey, int cptpl, long crkey, long nrkey,
                                     List<Notice> out) {
        if (cptpl == CPTPL_SET && store == null) {
            return INVALID_FIELD;
        }
        Long current = registrants.get(host);
        switch (action) {
            case REGISTER -> {
                if (nrkey == 0) {
                    return INVALID_FIELD;
                }
                if (current != null) {
                    if (current != nrkey) {
                        return CONFLICT;
                    }
                } else {
                    registrants.put(host, nrkey);
                }
            }
            case UNREGISTER -> {
                if (current == null || (!ignoreExistingKey && current != crkey)) {
                    return CONFLICT;
                }
                unregister(host, out);
            }
            case REPLACE -> {
                if (nrkey == 0) {
                    return INVALID_FIELD;
                }
                if (current == null || (!ignoreExistingKey && current != crkey)) {
                    return CONFLICT;
                }
                registrants.put(host, nrkey);
            }
            default -> {
                return INVALID_FIELD;
            }
        }
        if (cptpl == CPTPL_SET) {
            ptpl = true;
        } else if (cptpl == CPTPL_CLEAR) {
            ptpl = false;
        }
        generation++;
        changed();
        return Status.SUCCESS;
    }

    /** Reservation Acquire (NVMe Base 7.6): acquire, preempt, preempt and abort. */
    public synchronized int acquire(HostId host, int action, int rtype, long crkey, long prkey, List<Notice> out) {
        if (rtype < WRITE_EXCLUSIVE || rtype > EXCLUSIVE_ACCESS_ALL_REGISTRANTS) {
            return INVALID_FIELD;
        }
        Long current = registrants.get(host);
        if (current == null || current != crkey) {
            return CONFLICT;
        }
        switch (action) {
            case ACQUIRE -> {
                if (holder != null) {
                    return holds(host) && type == rtype ? Status.SUCCESS : CONFLICT;
                }
                holder = host;
                type = rtype;
                changed();
                return Status.SUCCESS;
            }
            case PREEMPT, PREEMPT_AND_ABORT -> {
                int status = preempt(host, rtype, prkey, out);
                if (status == Status.SUCCESS) {
                    generation++;
                    changed();
                }
                return status;
            }
            default -> {
                return INVALID_FIELD;
            }
        }
    }

    private int preempt(HostId host, int rtype, long prkey, List<Notice> out) {
        if (holder == null) {
            return unregisterByKey(prkey, host, true, out) > 0 ? Status.SUCCESS : CONFLICT;
        }
        if (allRegistrants(type)) {
            if (prkey == 0) {
                holder = host;
                type = rtype;
                unregisterOthers(host, out);
                return Status.SUCCESS;
            }
            return unregisterByKey(prkey, host, true, out) > 0 ? Status.SUCCESS : CONFLICT;
        }
        if (prkey == registrants.get(holder)) {
            int old = type;
            holder = host;
            type = rtype;
            unregisterByKey(prkey, host, false, out);
            if (old != rtype) {
                notifyRegistrants(host, RESERVATION_RELEASED, out);
            }
            return Status.SUCCESS;
        }
        if (prkey != 0) {
            return unregisterByKey(prkey, host, true, out) > 0 ? Status.SUCCESS : CONFLICT;
        }
        return INVALID_FIELD;
    }

    /** Reservation Release (NVMe Base 7.9): release or clear. */
    public synchronized int release(HostId host, int action, int rtype, long crkey, List<Notice> out) {
        Long current = registrants.get(host);
        if (current == null || current != crkey) {
            return CONFLICT;
        }
        switch (action) {
            case RELEASE -> {
                if (holder == null || !holds(host)) {
                    return Status.SUCCESS;
                }
                if (type != rtype) {
                    return INVALID_FIELD;
                }
                int old = type;
                holder = null;
                type = 0;
                if (old != WRITE_EXCLUSIVE && old != EXCLUSIVE_ACCESS) {
                    notifyRegistrants(host, RESERVATION_RELEASED, out);
                }
                changed();
                return Status.SUCCESS;
            }
            case CLEAR -> {
                notifyRegistrants(host, RESERVATION_PREEMPTED, out);
                registrants.clear();
                holder = null;
                type = 0;
                generation++;
                changed();
                return Status.SUCCESS;
            }
            default -> {
                return INVALID_FIELD;
            }
        }
    }

    /**
     * Reservation Report (NVMe Base 7.8): writes the Reservation Status data structure, plain or extended, into the
     * zeroed {@code length} bytes at {@code base} (registrants that do not fit are counted in REGCTL but left out).
     * The plain structure holds 64-bit host identifiers, and every host here has a 128-bit one: asked for it while
     * hosts are registered, the answer is Host Identifier Inconsistent Format (Linux and SPDK answer it for EDS 0
     * always; with nobody registered the plain header is as true as the extended one).
     */
    public synchronized int report(boolean extended, ByteBuf b, int base, int length) {
        if (!extended && !registrants.isEmpty()) {
            return Status.HOST_ID_INCONSISTENT_FORMAT | Status.DNR;
        }
        b.setIntLE(base, generation);
        b.setByte(base + 4, type);
        b.setShortLE(base + 5, registrants.size());
        b.setByte(base + 9, ptpl ? 1 : 0);
        int at = base + REPORT_EXTENDED_HEADER;
        for (Map.Entry<HostId, Long> e : registrants.entrySet()) {
            if (at + REPORT_EXTENDED_ENTRY > base + length) {
                break;
            }
            b.setShortLE(at, DYNAMIC_CNTLID);
            b.setByte(at + 2, holds(e.getKey()) ? 1 : 0);
            b.setLongLE(at + 8, e.getValue());
            e.getKey().write(b, at + 16);
            at += REPORT_EXTENDED_ENTRY;
        }
        return Status.SUCCESS;
    }

    // ---- persistence --------------------------------------------------------------------------------------

    /** Whether a change has not yet reached the store (PTPL on, or a saved file to remove now that it is off). */
    public boolean needsPersist() {
        long v;
        ReservationStore s;
        boolean on;
        synchronized (this) {
            v = version;
            s = store;
            on = ptpl;
        }
        if (s == null || !(on || s.onDisk())) {
            return false;
        }
        synchronized (persistLock) {
            return v != persistedVersion;
        }
    }

    /**
     * Brings the store up to date with the state: writes it while PTPL is on, removes the file when it is off.
     * Blocking file I/O (fsync): never on a reactor. Concurrent callers write in turn, each the latest state.
     */
    public void persist() throws IOException {
        synchronized (persistLock) {
            ReservationStore.Saved saved;
            long v;
            ReservationStore s;
            synchronized (this) {
                v = version;
                s = store;
                saved = ptpl ? saved() : null;
            }
            if (s == null || v == persistedVersion) {
                return;
            }
            if (saved != null) {
                s.write(saved);
            } else {
                s.delete();
            }
            persistedVersion = v;
        }
    }

    private ReservationStore.Saved saved() {
        List<ReservationStore.SavedRegistrant> list = new ArrayList<>();
        for (Map.Entry<HostId, Long> e : registrants.entrySet()) {
            list.add(new ReservationStore.SavedRegistrant(e.getKey().toString(), Long.toUnsignedString(e.getValue(), 16)));
        }
        return new ReservationStore.Saved(ReservationStore.FORMAT_VERSION, ptpl, Integer.toUnsignedLong(generation), type,
                holder == null ? null : holder.toString(), list);
    }

    // ---- helpers (under the monitor) -----------------------------------------------------------------------

    private static boolean allRegistrants(int type) {
        return type == WRITE_EXCLUSIVE_ALL_REGISTRANTS || type == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    /** Whether {@code host} holds the reservation: the holder, or any registrant under an All Registrants type. */
    private boolean holds(HostId host) {
        if (holder == null) {
            return false;
        }
        return allRegistrants(type) ? registrants.containsKey(host) : holder.equals(host);
    }

    /** Removes one registration; a holder's removal releases or passes the reservation on (see the class notes). */
    private void unregister(HostId host, List<Notice> out) {
        registrants.remove(host);
        if (!host.equals(holder)) {
            return;
        }
        if (allRegistrants(type)) {
            Iterator<HostId> next = registrants.keySet().iterator();
            holder = next.hasNext() ? next.next() : null;
            if (holder == null) {
                type = 0;
            }
            return;
        }
        int old = type;
        holder = null;
        type = 0;
        if (old == WRITE_EXCLUSIVE_REGISTRANTS_ONLY || old == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY) {
            notifyRegistrants(host, RESERVATION_RELEASED, out);
        }
    }

    /** Unregisters the registrants holding {@code key} (this host too when {@code self}); returns how many. */
    private int unregisterByKey(long key, HostId host, boolean self, List<Notice> out) {
        List<HostId> matched = new ArrayList<>();
        for (Map.Entry<HostId, Long> e : registrants.entrySet()) {
            if (e.getValue() == key && (self || !e.getKey().equals(host))) {
                matched.add(e.getKey());
            }
        }
        for (HostId h : matched) {
            unregister(h, out);
            if (!h.equals(host)) {
                out.add(new Notice(h, REGISTRATION_PREEMPTED));
            }
        }
        return matched.size();
    }

    private void unregisterOthers(HostId host, List<Notice> out) {
        List<HostId> others = new ArrayList<>(registrants.keySet());
        others.remove(host);
        for (HostId h : others) {
            unregister(h, out);
            out.add(new Notice(h, REGISTRATION_PREEMPTED));
        }
    }

    /** A notice of {@code type} for every registrant but {@code except}. */
    private void notifyRegistrants(HostId except, int type, List<Notice> out) {
        for (HostId h : registrants.keySet()) {
            if (!h.equals(except)) {
                out.add(new Notice(h, type));
            }
        }
    }

    private void changed() {
        version++;
        publish();
    }

    private void publish() {
        access = holder == null ? null : new Access(type, holder, registrants.keySet().toArray(HostId[]::new));
    }
}
