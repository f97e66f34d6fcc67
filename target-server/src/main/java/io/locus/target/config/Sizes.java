package io.locus.target.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes as people write them: {@code 4096}, {@code 512M}, {@code 1G}, {@code 1GiB}, {@code 2 TB} (binary units). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*([kmgtp]?)(i?b)?\\s*", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 4096, 512M, 1G, 1GiB)");
        }
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        if (value > (Long.MAX_VALUE >>> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return value << shift;
    }

    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.length - 1 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.valueOf((long) value) : String.format("%.1f", value)) + " " + units[unit];
    }
}
