package io.locus.target.config;

import io.locus.protocol.auth.DhGroup;
import io.locus.protocol.auth.DhchapHash;
import io.locus.protocol.auth.DhchapSecret;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DhchapConfigTest {
    static final String KEY = "DHHC-1:01:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:";
    static final String H1 = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001";
    static final String H2 = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000002";

    private static String json(String hosts) {
        return "{\"subsystems\": [{\"nqn\": \"nqn.2026-11.io.locus:a\", \"hosts\": [" + hosts + "],"
                + " \"namespaces\": [{\"backend\": \"null\", \"size\": 8192}]}]}";
    }

    private static String error(String hosts) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.json", json(hosts))).getMessage();
    }

    @Test
    void shouldReadHostObjectsNextToPlainStrings() throws Exception {
        TargetConfig c = ConfigLoader.parse("t.json", json("\"" + H2 + "\", {\"nqn\": \"" + H1 + "\", \"dhchap_key\": \"" + KEY
                + "\", \"dhchap_ctrl_key\": \"" + KEY.replace(":01:", ":02:") + "\", \"dhchap_hashes\": [\"sha384\"],"
                + " \"dhchap_dhgroups\": [\"ffdhe3072\", \"null\"]}"));
        TargetConfig.SubsystemConfig s = c.subsystems().get(0);
        assertEquals(List.of(H2, H1), s.hosts());
        assertFalse(s.allowAnyHost());
        var auth = s.hostAuth().get(H1);
        assertTrue(auth.hostKey().sameAs(DhchapSecret.parse(KEY)));
        assertEquals(2, auth.ctrlKey().hashId());
        assertEquals(List.of(DhchapHash.SHA384), auth.hashes());
        assertEquals(List.of(DhGroup.FFDHE3072, DhGroup.NULL), auth.dhGroups());
        assertNull(s.hostAuth().get(H2));
        assertFalse(auth.toString().contains("ia6z"));
    }

    @Test
    void errorsNameTheFieldAndNeverTheSecret() {
        String bad = KEY.replace("ia6z", "ia7z");
        String e = error("{\"nqn\": \"" + H1 + "\", \"dhchap_key\": \"" + bad + "\"}");
        assertTrue(e.startsWith("t.json: subsystems[0].hosts[0].dhchap_key: "), e);
        assertTrue(e.contains("CRC-32"), e);
        assertFalse(e.contains("ia7z"), e);
        e = error("{\"nqn\": \"" + H1 + "\", \"dhchap_ctrl_key\": \"" + KEY + "\"}");
        assertTrue(e.contains("hosts[0].dhchap_ctrl_key: needs dhchap_key"), e);
        e = error("{\"nqn\": \"" + H1 + "\", \"dhchap_key\": \"" + KEY + "\", \"dhchap_hashes\": [\"md5\"]}");
        assertTrue(e.contains("hosts[0].dhchap_hashes[0]: 'md5' is not"), e);
        e = error("{\"nqn\": \"" + H1 + "\", \"dhchap_key\": \"" + KEY + "\", \"dhchap_dhgroups\": [\"ffdhe1024\"]}");
        assertTrue(e.contains("hosts[0].dhchap_dhgroups[0]"), e);
        e = error("{\"nqn\": \"" + H1 + "\", \"dhchap_secret\": \"" + KEY + "\"}");
        assertTrue(e.contains("hosts[0].dhchap_secret: unknown field"), e);
        assertFalse(e.contains("ia6z"), e);
        e = error("{\"dhchap_key\": \"" + KEY + "\"}");
        assertTrue(e.contains("hosts[0].nqn: is required"), e);
    }
}
