package io.locus.drill;

import java.util.List;
import java.util.Locale;

/**
 * A picture of one scenario: IOPS per path (one line each) and the application's IOPS (dashed) over time, every
 * fault window shaded and labelled, the longest pause marked; the figures and the verdict in the title. Plain SVG
 * 1.1 text, no dependency.
 */
public final class IopsSvg {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 45;
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};

    private IopsSvg() {
    }

    /** The SVG document for {@code r} (which must carry samples). */
    public static String render(ScenarioResult r) {
        List<PathSampler.Sample> samples = r.samples();
        long endMs = 1;
        long maxIops = 1;
        for (PathSampler.Sample s : samples) {
            endMs = Math.max(endMs, s.atMs() + PathSampler.BUCKET_MS);
            maxIops = Math.max(maxIops, s.appIops());
            for (long v : s.pathIops()) {
                maxIops = Math.max(maxIops, v);
            }
        }
        for (ScenarioResult.Window w : r.faults()) {
            endMs = Math.max(endMs, w.toMs());
        }
        maxIops = niceCeiling(maxIops);
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        double xs = plotW / endMs;
        double ys = plotH / maxIops;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"").append(LEFT).append("\" y=\"20\" font-size=\"15\" font-weight=\"bold\">")
                .append(escape("drill " + r.scenario() + ": " + r.status().toUpperCase(Locale.ROOT)))
                .append("</text>\n");
        svg.append("<text x=\"").append(LEFT).append("\" y=\"38\">").append(escape(String.format(Locale.ROOT,
                "longest pause %d ms (goal < %d), failed I/Os %d, acknowledged writes lost %d, verify failures %d, "
                        + "fail-back %s", r.longestPauseMs(), r.pauseGoalMs(), r.failedIos(), r.acknowledgedLost(),
                r.verifyFailures(), r.failbackMs() < 0 ? "never" : r.failbackMs() + " ms"))).append("</text>\n");
        // fault windows
        for (ScenarioResult.Window w : r.faults()) {
            double x0 = LEFT + w.fromMs() * xs;
            double x1 = LEFT + Math.max(w.toMs(), w.fromMs() + 1) * xs;
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#d62728\" fill-opacity=\"0.15\"/>\n",
                    x0, TOP, x1 - x0, plotH));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#d62728\">%s</text>\n", x0 + 3,
                    TOP + 14, escape(w.what())));
        }
        // longest pause
        double px0 = LEFT + r.longestPauseAtMs() * xs;
        double px1 = LEFT + (r.longestPauseAtMs() + r.longestPauseMs()) * xs;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" "
                + "stroke-width=\"3\"/>\n", px0, TOP + plotH - 4, px1, TOP + plotH - 4));
        // axes and grid
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                + "stroke=\"#888\"/>\n", LEFT, TOP, plotW, plotH));
        for (int i = 0; i <= 4; i++) {
            double y = TOP + plotH - plotH * i / 4;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>\n", LEFT, y, LEFT + plotW, y, LEFT - 6,
                    y + 4, maxIops * i / 4));
        }
        long stepMs = niceStep(endMs);
        for (long t = 0; t <= endMs; t += stepMs) {
            double x = LEFT + t * xs;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                    TOP + plotH + 16, seconds(t)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time (s)</text>\n",
                LEFT + plotW / 2, HEIGHT - 8));
        svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
                + "text-anchor=\"middle\">IOPS</text>\n", TOP + plotH / 2, TOP + plotH / 2));
        // series
        int paths = r.pathNames().size();
        for (int p = 0; p < paths; p++) {
            svg.append("<polyline fill=\"none\" stroke=\"").append(COLOURS[p % COLOURS.length])
                    .append("\" stroke-width=\"1.5\" points=\"");
            for (PathSampler.Sample s : samples) {
                long v = p < s.pathIops().length ? s.pathIops()[p] : 0;
                point(svg, LEFT + (s.atMs() + PathSampler.BUCKET_MS / 2.0) * xs, TOP + plotH - v * ys);
            }
            svg.append("\"/>\n");
        }
        svg.append("<polyline fill=\"none\" stroke=\"#555\" stroke-dasharray=\"4 3\" points=\"");
        for (PathSampler.Sample s : samples) {
            point(svg, LEFT + (s.atMs() + PathSampler.BUCKET_MS / 2.0) * xs, TOP + plotH - s.appIops() * ys);
        }
        svg.append("\"/>\n");
        // legend
        int lx = WIDTH - RIGHT - 240;
        int ly = TOP + 14;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"236\" height=\"%d\" fill=\"white\" "
                + "fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n", lx - 6, ly - 14, 16 * (paths + 2) + 8));
        for (int p = 0; p <= paths; p++) {
            String colour = p < paths ? COLOURS[p % COLOURS.length] : "#555";
            String name = p < paths ? r.pathNames().get(p) : "application (successful completions)";
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\">%s</text>\n", lx, ly + 16 * p - 4, lx + 20,
                    ly + 16 * p - 4, colour, p < paths ? "" : " stroke-dasharray=\"4 3\"", lx + 26, ly + 16 * p,
                    escape(name)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>\n", lx, ly + 16 * (paths + 1),
                "shaded: fault; black bar: longest pause"));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void point(StringBuilder svg, double x, double y) {
        svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static long niceCeiling(long v) {
        long p = 1;
        while (true) {
            for (long m : new long[] {1, 2, 5}) {
                if (m * p >= v) {
                    return m * p;
                }
            }
            p *= 10;
        }
    }

    /** A tick step giving 5 to 10 ticks over {@code endMs}. */
    private static long niceStep(long endMs) {
        return Math.max(100, niceCeiling(Math.max(1, endMs / 8)));
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
