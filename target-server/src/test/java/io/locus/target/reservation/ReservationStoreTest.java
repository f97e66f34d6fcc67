package io.locus.target.reservation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PTPL file: beside the backing file, written whole (no temporary left), and refused with its name when bad. */
class ReservationStoreTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteBesideTheBackingFileAndReadItBack() throws IOException {
        ReservationStore store = new ReservationStore(dir.resolve("disk.img"));
        assertEquals(dir.resolve("disk.img.reservations.json").toAbsolutePath(), store.file());
        assertNull(store.load(), "no file: no saved state");
        String a = new HostId(1, 2).toString();
        ReservationStore.Saved saved = new ReservationStore.Saved(1, true, 0xFFFFFFFFL, 1, a,
                List.of(new ReservationStore.SavedRegistrant(a, "ffffffffffffffff")));
        store.write(saved);
        assertEquals(saved, store.load());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(store.file()), files.toList(), "the temporary file was renamed over the state file");
        }
        store.delete();
        assertFalse(Files.exists(store.file()));
    }

    @Test
    void shouldRefuseACorruptFileNamingIt() throws IOException {
        ReservationStore store = new ReservationStore(dir.resolve("disk.img"));
        String a = new HostId(1, 2).toString();
        String[] bad = {
            "{\"version\":1,\"ptpl\":tr",
            "",
            "{\"version\":2,\"ptpl\":true,\"generation\":0,\"type\":0,\"holder\":null,\"registrants\":[]}",
            "{\"version\":1,\"ptpl\":true,\"generation\":0,\"type\":9,\"holder\":null,\"registrants\":[]}",
            "{\"version\":1,\"ptpl\":true,\"generation\":0,\"type\":1,\"holder\":\"" + a + "\",\"registrants\":[]}",
            "{\"version\":1,\"ptpl\":true,\"generation\":0,\"type\":0,\"holder\":null,\"registrants\":[{\"hostId\":\"xyz\",\"key\":\"1\"}]}",
            "{\"version\":1,\"ptpl\":true,\"generation\":0,\"type\":0,\"holder\":null,\"registrants\":[{\"hostId\":\"" + a + "\",\"key\":\"0\"}]}",
            "{\"version\":1,\"ptpl\":true,\"generation\":0,\"type\":0,\"holder\":null,\"registrants\":[{\"hostId\":\"" + a + "\",\"key\":\"zz\"}]}",
        };
        for (String text : bad) {
            Files.writeString(store.file(), text);
            IOException e = assertThrows(IOException.class, store::load, text);
            assertTrue(e.getMessage().contains(store.file().toString()) && e.getMessage().contains("corrupt"), e.getMessage());
            ReservationState state = new ReservationState();
            assertThrows(IOException.class, () -> state.attach(store), "a namespace will not start on it either");
        }
    }
}
