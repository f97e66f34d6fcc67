package io.locus.initiator.stats;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextTest {
    @Test
    void shouldReadNameLabelsAndValueWhenLineHasLabels() {
        List<PrometheusText.Sample> s = PrometheusText.parse("locus_io_commands_total{reactor=\"locus-reactor-0\",class=\"latency\"} 42\n");
        assertEquals(1, s.size());
        assertEquals("locus_io_commands_total", s.getFirst().name());
        assertEquals(Map.of("reactor", "locus-reactor-0", "class", "latency"), s.getFirst().labels());
        assertEquals(42.0, s.getFirst().value());
    }

    @Test
    void shouldSkipCommentsAndBlankLinesWhenParsingExposition() {
        List<PrometheusText.Sample> s = PrometheusText.parse("# HELP x y\n# TYPE x counter\n\nx 1\r\n  \ny 2.5e3\n");
        assertEquals(2, s.size());
        assertEquals(2500.0, s.get(1).value());
        assertTrue(s.getFirst().labels().isEmpty());
    }

    @Test
    void shouldUnescapeLabelValuesWhenTheyHoldQuotesBackslashesAndNewlines() {
        PrometheusText.Sample s = PrometheusText.parse("m{a=\"x\\\"y\",b=\"c:\\\\d\",c=\"l1\\nl2\", } 3").getFirst();
        assertEquals("x\"y", s.label("a"));
        assertEquals("c:\\d", s.label("b"));
        assertEquals("l1\nl2", s.label("c"));
    }

    @Test
    void shouldIgnoreTimestampWhenSampleHasOne() {
        assertEquals(7.0, PrometheusText.parse("m{a=\"1\"} 7 1700000000000").getFirst().value());
    }

    @Test
    void shouldReadSpecialValuesWhenInfinityOrNaN() {
        List<PrometheusText.Sample> s = PrometheusText.parse("a +Inf\nb -Inf\nc NaN\n");
        assertEquals(Double.POSITIVE_INFINITY, s.get(0).value());
        assertEquals(Double.NEGATIVE_INFINITY, s.get(1).value());
        assertTrue(Double.isNaN(s.get(2).value()));
    }

    @Test
    void shouldNameTheLineWhenOneIsMalformed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrometheusText.parse("ok 1\nbad{a=\"1\" 2\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("novalue\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("m notanumber\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("{a=\"1\"} 1\n"));
    }

    @Test
    void shouldParseEverySampleWhenGivenTargetOutput() {
        List<PrometheusText.Sample> s = PrometheusText.parse(MetricsSamples.TWO_REACTORS);
        long lines = MetricsSamples.TWO_REACTORS.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
        assertEquals(lines, s.size());
        assertEquals(80, s.size());
    }
}
