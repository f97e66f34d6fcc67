package io.locus.target.reservation;

import io.locus.protocol.nvme.NvmOpcode;
import io.locus.protocol.nvme.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.locus.target.reservation.ReservationState.ACQUIRE;
import static io.locus.target.reservation.ReservationState.CLEAR;
import static io.locus.target.reservation.ReservationState.CPTPL_NO_CHANGE;
import static io.locus.target.reservation.ReservationState.CPTPL_SET;
import static io.locus.target.reservation.ReservationState.EXCLUSIVE_ACCESS;
import static io.locus.target.reservation.ReservationState.EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
import static io.locus.target.reservation.ReservationState.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY;
import static io.locus.target.reservation.ReservationState.PREEMPT;
import static io.locus.target.reservation.ReservationState.PREEMPT_AND_ABORT;
import static io.locus.target.reservation.ReservationState.REGISTER;
import static io.locus.target.reservation.ReservationState.REGISTRATION_PREEMPTED;
import static io.locus.target.reservation.ReservationState.RELEASE;
import static io.locus.target.reservation.ReservationState.REPLACE;
import static io.locus.target.reservation.ReservationState.RESERVATION_PREEMPTED;
import static io.locus.target.reservation.ReservationState.RESERVATION_RELEASED;
import static io.locus.target.reservation.ReservationState.UNREGISTER;
import static io.locus.target.reservation.ReservationState.WRITE_EXCLUSIVE;
import static io.locus.target.reservation.ReservationState.WRITE_EXCLUSIVE_ALL_REGISTRANTS;
import static io.locus.target.reservation.ReservationState.WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reservation state machine of NVMe Base 8.19, command by command, with the choices ReservationState names. */
class ReservationStateTest {
    static final HostId A = new HostId(0xA, 1);
    static final HostId B = new HostId(0xB, 2);
    static final HostId C = new HostId(0xC, 3);
    static final int OK = Status.SUCCESS;
    static final int CONFLICT = Status.RESERVATION_CONFLICT | Status.DNR;
    static final int INVALID = Status.INVALID_FIELD | Status.DNR;

    final ReservationState s = new ReservationState();
    final List<ReservationState.Notice> notices = new ArrayList<>();

    int register(HostId h, long nrkey) {
        return s.register(h, REGISTER, false, CPTPL_NO_CHANGE, 0, nrkey, notices);
    }

    int acquire(HostId h, long crkey, int type) {
        return s.acquire(h, ACQUIRE, type, crkey, 0, notices);
    }

    @Test
    void shouldRegisterOnceAndConflictOnAnotherKeyCountingGenerations() {
        assertEquals(OK, register(A, 1));
        assertEquals(1, s.generation());
        assertEquals(OK, register(A, 1), "the same key again is no error");
        assertEquals(2, s.generation(), "every successful Register counts (Linux)");
        assertEquals(CONFLICT, register(A, 2));
        assertEquals(2, s.generation());
        assertEquals(INVALID, register(B, 0), "key 0 cannot be registered (SPDK)");
        assertEquals(1L, s.key(A));
        assertNull(s.key(B));
    }

    @Test
    void shouldUnregisterAndReplaceOnlyWithTheCurrentKeyUnlessIgnored() {
        register(A, 1);
        assertEquals(CONFLICT, s.register(A, UNREGISTER, false, CPTPL_NO_CHANGE, 9, 0, notices), "wrong CRKEY");
        assertEquals(CONFLICT, s.register(B, UNREGISTER, true, CPTPL_NO_CHANGE, 0, 0, notices), "not registered");
        assertEquals(CONFLICT, s.register(A, REPLACE, false, CPTPL_NO_CHANGE, 9, 5, notices), "wrong CRKEY");
        assertEquals(OK, s.register(A, REPLACE, false, CPTPL_NO_CHANGE, 1, 5, notices));
        assertEquals(5L, s.key(A));
        assertEquals(OK, s.register(A, REPLACE, true, CPTPL_NO_CHANGE, 99, 6, notices), "IEKEY ignores CRKEY");
        assertEquals(6L, s.key(A));
        assertEquals(CONFLICT, s.register(B, REPLACE, true, CPTPL_NO_CHANGE, 0, 6, notices), "Replace does not register (Linux)");
        assertEquals(INVALID, s.register(A, REPLACE, false, CPTPL_NO_CHANGE, 6, 0, notices));
        assertEquals(OK, s.register(A, UNREGISTER, true, CPTPL_NO_CHANGE, 123, 0, notices));
        assertNull(s.key(A));
        assertTrue(notices.isEmpty());
    }

    @Test
    void shouldRefusePtplWithoutAStore() {
        assertFalse(s.ptplCapable());
        assertEquals(INVALID, s.register(A, REGISTER, false, CPTPL_SET, 0, 1, notices));
        assertEquals(INVALID, s.setPtpl(true));
        assertEquals(OK, s.setPtpl(false));
    }

    @Test
    void shouldAcquireOnlyAsARegistrantWithItsKeyAndAgainOnlyWithTheSameType() {
        register(A, 1);
        register(B, 2);
        int gen = s.generation();
        assertEquals(CONFLICT, acquire(C, 3, WRITE_EXCLUSIVE), "not registered");
        assertEquals(CONFLICT, acquire(A, 2, WRITE_EXCLUSIVE), "another host's key");
        assertEquals(INVALID, acquire(A, 1, 0));
        assertEquals(INVALID, acquire(A, 1, 7));
        assertEquals(OK, acquire(A, 1, WRITE_EXCLUSIVE));
        assertEquals(OK, acquire(A, 1, WRITE_EXCLUSIVE), "the holder again, same type");
        assertEquals(CONFLICT, acquire(A, 1, EXCLUSIVE_ACCESS), "the holder, another type");
        assertEquals(CONFLICT, acquire(B, 2, WRITE_EXCLUSIVE), "held by another host");
        assertEquals(A, s.holder());
        assertEquals(WRITE_EXCLUSIVE, s.type());
        assertEquals(gen, s.generation(), "Acquire leaves PRGEN");
    }

    /** NVMe Base 8.19, "Command behavior in the presence of a reservation": holder, registrant, other host. */
    @Test
    void shouldEnforceTheConflictMatrixOfEveryType() {
        // {type, registrant read, registrant write, other read, other write}: true = allowed.
        boolean[][] matrix = {
            {true, false, true, false},   // 1 Write Exclusive
            {false, false, false, false}, // 2 Exclusive Access
            {true, true, true, false},    // 3 Write Exclusive, Registrants Only
            {true, true, false, false},   // 4 Exclusive Access, Registrants Only
            {true, true, true, false},    // 5 Write Exclusive, All Registrants
            {true, true, false, false},   // 6 Exclusive Access, All Registrants
        };
        for (int type = 1; type <= 6; type++) {
            ReservationState r = new ReservationState();
            List<ReservationState.Notice> n = new ArrayList<>();
            r.register(A, REGISTER, false, CPTPL_NO_CHANGE, 0, 1, n);
            r.register(B, REGISTER, false, CPTPL_NO_CHANGE, 0, 2, n);
            for (int op : new int[] {NvmOpcode.READ, NvmOpcode.WRITE, NvmOpcode.FLUSH}) {
                assertEquals(OK, r.access(C, op), "no reservation: anyone, type " + type);
            }
            assertEquals(OK, r.acquire(A, ACQUIRE, type, 1, 0, n));
            boolean[] row = matrix[type - 1];
            for (int op : new int[] {NvmOpcode.READ, NvmOpcode.WRITE, NvmOpcode.WRITE_ZEROES, NvmOpcode.DATASET_MANAGEMENT, NvmOpcode.FLUSH}) {
                boolean read = op == NvmOpcode.READ;
                assertEquals(OK, r.access(A, op), "holder, type " + type + " op " + op);
                assertEquals(read ? row[0] : row[1], r.access(B, op) == OK, "registrant, type " + type + " op " + op);
                assertEquals(read ? row[2] : row[3], r.access(C, op) == OK, "other host, type " + type + " op " + op);
                int denied = r.access(C, op);
                assertTrue(denied == OK || denied == CONFLICT);
            }
            assertEquals(OK, r.access(C, NvmOpcode.RESERVATION_REPORT), "reservation commands are not restricted here");
            assertEquals(OK, r.release(A, RELEASE, type, 1, n));
            assertEquals(OK, r.access(C, NvmOpcode.WRITE), "released, type " + type);
        }
    }

    @Test
    void shouldReleaseOnlyTheHoldersReservationAndNotifyRegistrantsOnlyTypes() {
        register(A, 1);
        register(B, 2);
        assertEquals(OK, acquire(A, 1, WRITE_EXCLUSIVE_REGISTRANTS_ONLY));
        assertEquals(CONFLICT, s.release(A, RELEASE, WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 9, notices), "wrong key");
        assertEquals(OK, s.release(B, RELEASE, WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 2, notices), "not the holder: no effect");
        assertEquals(A, s.holder());
        assertEquals(INVALID, s.release(A, RELEASE, WRITE_EXCLUSIVE, 1, notices), "another type (SPDK, NVMe Base 7.9)");
        int gen = s.generation();
        assertEquals(OK, s.release(A, RELEASE, WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 1, notices));
        assertNull(s.holder());
        assertEquals(0, s.type());
        assertEquals(gen, s.generation(), "Release leaves PRGEN");
        assertEquals(List.of(new ReservationState.Notice(B, RESERVATION_RELEASED)), notices);
        assertEquals(OK, s.release(A, RELEASE, 3, 1, notices), "nothing held: success");

        notices.clear();
        assertEquals(OK, acquire(A, 1, WRITE_EXCLUSIVE));
        assertEquals(OK, s.release(A, RELEASE, WRITE_EXCLUSIVE, 1, notices));
        assertTrue(notices.isEmpty(), "no notice when a Write Exclusive reservation is released");
    }

    @Test
    void shouldClearEveryRegistrationAndTellTheOthersTheirReservationWasPreempted() {
        register(A, 1);
        register(B, 2);
        register(C, 3);
        acquire(B, 2, EXCLUSIVE_ACCESS);
        int gen = s.generation();
        assertEquals(CONFLICT, s.release(A, CLEAR, 0, 2, notices), "Clear needs the host's own key");
        assertEquals(OK, s.release(A, CLEAR, 0, 1, notices));
        assertEquals(gen + 1, s.generation());
        assertNull(s.holder());
        assertNull(s.key(A));
        assertNull(s.key(B));
        assertEquals(List.of(new ReservationState.Notice(B, RESERVATION_PREEMPTED), new ReservationState.Notice(C, RESERVATION_PREEMPTED)), notices);
        assertEquals(OK, s.access(C, NvmOpcode.WRITE));
    }

    @Test
    void shouldPreemptTheHolderAndUnregisterItTakingTheReservation() {
        register(A, 1);
        register(B, 2);
        register(C, 3);
        acquire(A, 1, WRITE_EXCLUSIVE);
        int gen = s.generation();
        assertEquals(CONFLICT, s.acquire(B, PREEMPT, EXCLUSIVE_ACCESS, 9, 1, notices), "wrong CRKEY");
        assertEquals(OK, s.acquire(B, PREEMPT, EXCLUSIVE_ACCESS, 2, 1, notices));
        assertEquals(B, s.holder());
        assertEquals(EXCLUSIVE_ACCESS, s.type());
        assertNull(s.key(A), "the preempted holder is unregistered");
        assertEquals(gen + 1, s.generation());
        assertEquals(List.of(new ReservationState.Notice(A, REGISTRATION_PREEMPTED), new ReservationState.Notice(C, RESERVATION_RELEASED)),
                notices, "the type changed: the remaining registrants hear of it (Linux)");
        assertEquals(CONFLICT, s.access(A, NvmOpcode.READ));
    }

    @Test
    void shouldPreemptRegistrantsByKeyWithoutTouchingTheReservation() {
        register(A, 1);
        register(B, 2);
        register(C, 2);
        acquire(A, 1, WRITE_EXCLUSIVE);
        assertEquals(INVALID, s.acquire(A, PREEMPT, WRITE_EXCLUSIVE, 1, 0, notices), "PRKEY 0 under a single-holder type");
        assertEquals(CONFLICT, s.acquire(A, PREEMPT, WRITE_EXCLUSIVE, 1, 77, notices), "no registrant holds PRKEY");
        assertEquals(OK, s.acquire(A, PREEMPT_AND_ABORT, WRITE_EXCLUSIVE, 1, 2, notices));
        assertEquals(A, s.holder());
        assertNull(s.key(B));
        assertNull(s.key(C));
        assertEquals(List.of(new ReservationState.Notice(B, REGISTRATION_PREEMPTED), new ReservationState.Notice(C, REGISTRATION_PREEMPTED)), notices);
    }

    @Test
    void shouldPreemptWithNoReservationByKeyOnly() {
        register(A, 1);
        register(B, 2);
        assertEquals(CONFLICT, s.acquire(A, PREEMPT, WRITE_EXCLUSIVE, 1, 5, notices));
        assertEquals(OK, s.acquire(A, PREEMPT, WRITE_EXCLUSIVE, 1, 2, notices));
        assertNull(s.holder(), "a preempt of registrants takes no reservation");
        assertNull(s.key(B));
    }

    @Test
    void shouldKeepAnAllRegistrantsReservationUntilTheLastRegistrantLeaves() {
        register(A, 1);
        register(B, 2);
        assertEquals(OK, acquire(A, 1, EXCLUSIVE_ACCESS_ALL_REGISTRANTS));
        assertEquals(OK, acquire(B, 2, EXCLUSIVE_ACCESS_ALL_REGISTRANTS), "every registrant holds it");
        assertEquals(OK, s.register(A, UNREGISTER, false, CPTPL_NO_CHANGE, 1, 0, notices));
        assertEquals(EXCLUSIVE_ACCESS_ALL_REGISTRANTS, s.type(), "B still holds it");
        assertEquals(OK, s.access(B, NvmOpcode.WRITE));
        assertEquals(CONFLICT, s.access(A, NvmOpcode.READ));
        assertEquals(OK, s.register(B, UNREGISTER, false, CPTPL_NO_CHANGE, 2, 0, notices));
        assertEquals(0, s.type());
        assertTrue(notices.isEmpty());
    }

    @Test
    void shouldTakeAnAllRegistrantsReservationWithPrkeyZeroUnregisteringEveryoneElse() {
        register(A, 1);
        register(B, 2);
        register(C, 3);
        acquire(A, 1, WRITE_EXCLUSIVE_ALL_REGISTRANTS);
        assertEquals(OK, s.acquire(C, PREEMPT, WRITE_EXCLUSIVE, 3, 0, notices));
        assertEquals(C, s.holder());
        assertEquals(WRITE_EXCLUSIVE, s.type());
        assertNull(s.key(A));
        assertNull(s.key(B));
        assertEquals(2, notices.size());
        assertTrue(notices.stream().allMatch(n -> n.type() == REGISTRATION_PREEMPTED));
    }

    @Test
    void shouldReleaseARegistrantsOnlyReservationWhenItsHolderUnregisters() {
        register(A, 1);
        register(B, 2);
        acquire(A, 1, EXCLUSIVE_ACCESS_REGISTRANTS_ONLY);
        assertEquals(OK, s.register(A, UNREGISTER, false, CPTPL_NO_CHANGE, 1, 0, notices));
        assertEquals(0, s.type());
        assertEquals(List.of(new ReservationState.Notice(B, RESERVATION_RELEASED)), notices);
    }

    @Test
    void shouldReportTheExtendedStructureAndRefuseThePlainOneWhileHostsAreRegistered() {
        ByteBuf b = Unpooled.buffer(4096);
        b.setZero(0, 4096);
        assertEquals(OK, s.report(false, b, 0, 24), "nobody registered: the plain header");
        register(A, 0x1122334455667788L);
        register(B, 2);
        acquire(A, 0x1122334455667788L, WRITE_EXCLUSIVE);
        assertEquals(Status.HOST_ID_INCONSISTENT_FORMAT | Status.DNR, s.report(false, b, 0, 4096));
        assertEquals(OK, s.report(true, b, 0, 64 + 64), "room for one registrant of two");
        assertEquals(s.generation(), b.getIntLE(0));
        assertEquals(WRITE_EXCLUSIVE, b.getUnsignedByte(4));
        assertEquals(2, b.getUnsignedShortLE(5), "REGCTL counts every registrant");
        assertEquals(0, b.getUnsignedByte(9), "PTPLS");
        assertEquals(0xFFFF, b.getUnsignedShortLE(64), "CNTLID: dynamic");
        assertEquals(1, b.getUnsignedByte(64 + 2), "RCSTS: holds the reservation");
        assertEquals(0x1122334455667788L, b.getLongLE(64 + 8));
        assertEquals(0xAL, b.getLong(64 + 16));
        assertEquals(1L, b.getLong(64 + 24));
        assertEquals(0, b.getLongLE(128), "the second registrant did not fit and was not written");
    }

    @Test
    void shouldPersistOnlyWhilePtplIsOnAndRestoreItAll(@TempDir Path dir) throws IOException {
        Path backing = Files.createFile(dir.resolve("disk.img"));
        ReservationStore store = new ReservationStore(backing);
        s.attach(store);
        assertTrue(s.ptplCapable());
        register(A, 1);
        assertFalse(s.needsPersist(), "PTPL off and no file: nothing to write");
        assertEquals(OK, s.register(B, REGISTER, false, CPTPL_SET, 0, 2, notices));
        assertTrue(s.needsPersist());
        s.persist();
        assertFalse(s.needsPersist());
        acquire(B, 2, WRITE_EXCLUSIVE_REGISTRANTS_ONLY);
        s.persist();
        assertTrue(Files.exists(store.file()));

        ReservationState restored = new ReservationState();
        restored.attach(new ReservationStore(backing));
        assertTrue(restored.ptpl());
        assertEquals(s.generation(), restored.generation());
        assertEquals(B, restored.holder());
        assertEquals(WRITE_EXCLUSIVE_REGISTRANTS_ONLY, restored.type());
        assertEquals(1L, restored.key(A));
        assertEquals(CONFLICT, restored.access(C, NvmOpcode.WRITE), "the restored reservation is enforced");

        assertEquals(OK, s.setPtpl(false));
        s.persist();
        assertFalse(Files.exists(store.file()), "PTPL off: the state no longer outlives the target");
    }
}
