package io.locus.target.config;

import java.util.ArrayList;
import java.util.List;

/** Parses CPU lists the way taskset and the kernel write them: {@code 0}, {@code 0,2}, {@code 1-3,6}. */
public final class CpuList {
    private CpuList() {
    }

    public static List<Integer> parse(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                if (from < 0 || to < from || to > 4095) {
                    throw new IllegalArgumentException("'" + text + "' is not a CPU list (examples: 0, 0,2, 1-3)");
                }
                for (int c = from; c <= to; c++) {
                    if (!cpus.contains(c)) {
                        cpus.add(c);
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a CPU list (examples: 0, 0,2, 1-3)");
            }
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' names no CPUs");
        }
        return cpus;
    }
}
