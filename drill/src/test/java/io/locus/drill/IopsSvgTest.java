package io.locus.drill;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IopsSvgTest {
    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldDrawOneLinePerPathAndTheApplicationWithTheFaultShaded() throws Exception {
        String svg = IopsSvg.render(ReportTest.result("kill", 85, 0, 0, 0, 572));
        Document doc = parse(svg); // well-formed XML
        NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(3, lines.getLength(), "node 0, node 1, application");
        // node 1's line: (x of 50 ms, 200 IOPS) then (x of 150 ms, 400 IOPS); plot 810 px over 2500 ms, 260 px
        // over 500 IOPS (the nice ceiling of 400)
        String points = ((Element) lines.item(1)).getAttribute("points").strip();
        String[] p = points.split(" ");
        assertEquals(2, p.length);
        assertEquals(String.format(java.util.Locale.ROOT, "%.1f,%.1f", 70 + 50 * 810.0 / 2500, 50 + 265 - 200 * 265.0 / 500),
                p[0]);
        boolean shaded = false;
        NodeList rects = doc.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if ("#d62728".equals(r.getAttribute("fill"))) {
                shaded = true;
                assertEquals(String.format(java.util.Locale.ROOT, "%.1f", 70 + 1500 * 810.0 / 2500), r.getAttribute("x"));
                assertEquals(String.format(java.util.Locale.ROOT, "%.1f", 1000 * 810.0 / 2500), r.getAttribute("width"));
            }
        }
        assertTrue(shaded, "the fault window is shaded");
        assertTrue(svg.contains(">kill -9</text>"), "the fault is labelled");
        assertTrue(svg.contains("drill kill: PASS"), svg);
    }

    @Test
    void shouldEscapeTextAndRoundTheScaleUp() throws Exception {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", IopsSvg.escape("a <b> & \"c\""));
        assertEquals(1, IopsSvg.niceCeiling(1));
        assertEquals(500, IopsSvg.niceCeiling(400));
        assertEquals(10_000, IopsSvg.niceCeiling(5_001));
        assertEquals(20_000, IopsSvg.niceCeiling(15_513));
    }
}
