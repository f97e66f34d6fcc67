package io.locus.initiator.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Prometheus text exposition format (version 0.0.4): one sample a line, {@code name{label="value",...} value
 * [timestamp]}; {@code #} lines are comments (HELP and TYPE are not needed to read values).
 */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.get(key);
        }
    }

    /**
     * Parses a whole exposition.
     *
     * @throws IllegalArgumentException naming the line when one is malformed
     */
    public static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                samples.add(parseLine(line));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("metrics line " + (i + 1) + " is malformed (" + e.getMessage() + "): " + line);
            }
        }
        return samples;
    }

    static Sample parseLine(String line) {
        int at = 0;
        int n = line.length();
        while (at < n && isNameChar(line.charAt(at), at == 0)) {
            at++;
        }
        if (at == 0) {
            throw new IllegalArgumentException("no metric name");
        }
        String name = line.substring(0, at);
        Map<String, String> labels = Collections.emptyMap();
        if (at < n && line.charAt(at) == '{') {
            labels = new LinkedHashMap<>();
            at++;
            while (true) {
                at = skipSpaces(line, at);
                if (line.charAt(at) == '}') {
                    at++;
                    break;
                }
                int keyStart = at;
                while (at < n && isNameChar(line.charAt(at), at == keyStart)) {
                    at++;
                }
                if (at == keyStart) {
                    throw new IllegalArgumentException("no label name at column " + (at + 1));
                }
                String key = line.substring(keyStart, at);
                at = skipSpaces(line, at);
                expect(line, at++, '=');
                at = skipSpaces(line, at);
                expect(line, at++, '"');
                StringBuilder value = new StringBuilder();
                while (true) {
                    char c = line.charAt(at++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char e = line.charAt(at++);
                        value.append(switch (e) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("unknown escape \\" + e);
                        });
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                at = skipSpaces(line, at);
                if (line.charAt(at) == ',') {
                    at++;
                } else if (line.charAt(at) != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' at column " + (at + 1));
                }
            }
            labels = Collections.unmodifiableMap(labels);
        }
        String[] rest = line.substring(at).strip().split("\\s+");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        return new Sample(name, labels, parseValue(rest[0]));
    }

    static double parseValue(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' is not a number");
                }
            }
        };
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
    }

    private static int skipSpaces(String s, int at) {
        while (at < s.length() && (s.charAt(at) == ' ' || s.charAt(at) == '\t')) {
            at++;
        }
        return at;
    }

    private static void expect(String s, int at, char c) {
        if (at >= s.length() || s.charAt(at) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at column " + (at + 1));
        }
    }
}
