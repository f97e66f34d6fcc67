package io.locus.target;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The target's packages depend on each other without a circle (issue 10: the model, the core, the command sets,
 * the backends, metrics and every transport), read from the main sources: imports and fully qualified names. The
 * root package {@code io.locus.target} is left out: it is the composition root ({@code Target},
 * {@code LocusTargetMain}) that wires every other package together.
 */
class PackageCyclesTest {
    private static final String BASE = "io.locus.target";
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** An import or a qualified name: the package is the run of lower-case segments before a class name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.locus\\.target(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    @Test
    void shouldFindNoCircleBetweenTheTargetsPackages() throws IOException {
        Map<String, Set<String>> uses = dependencies(Path.of("src/main/java/io/locus/target"));
        assertTrue(uses.keySet().containsAll(List.of(BASE + ".model", BASE + ".core", BASE + ".command",
                BASE + ".backend", BASE + ".metrics", BASE + ".transport.tcp", BASE + ".transport.loop")),
                "read the target's packages: " + uses.keySet());
        assertEquals(List.of(), cycles(uses), "package cycles (each: its packages)");
    }

    @Test
    void shouldFindACircleWhereThereIsOne() {
        Map<String, Set<String>> uses = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"),
                "d", Set.of("a")));
        assertEquals(List.of(List.of("a", "b", "c")), cycles(uses));
    }

    private static Map<String, Set<String>> dependencies(Path root) throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                String source = read(p);
                Matcher pkg = PACKAGE.matcher(source);
                if (!pkg.find() || pkg.group(1).equals(BASE)) {
                    return;
                }
                Set<String> deps = uses.computeIfAbsent(pkg.group(1), k -> new TreeSet<>());
                Matcher ref = REFERENCE.matcher(source);
                while (ref.find()) {
                    String used = ref.group(1);
                    if (!used.equals(pkg.group(1)) && !used.equals(BASE)) {
                        deps.add(used);
                    }
                }
            });
        }
        return uses;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The strongly connected sets of two or more packages (Tarjan), each sorted. */
    private static List<List<String>> cycles(Map<String, Set<String>> uses) {
        Tarjan t = new Tarjan(uses);
        for (String v : uses.keySet()) {
            if (!t.index.containsKey(v)) {
                t.visit(v);
            }
        }
        return t.found;
    }

    private static final class Tarjan {
        final Map<String, Set<String>> uses;
        final Map<String, Integer> index = new TreeMap<>();
        final Map<String, Integer> low = new TreeMap<>();
        final List<String> stack = new ArrayList<>();
        final List<List<String>> found = new ArrayList<>();
        int next;

        Tarjan(Map<String, Set<String>> uses) {
            this.uses = uses;
        }

        void visit(String v) {
            index.put(v, next);
            low.put(v, next);
            next++;
            stack.add(v);
            for (String w : uses.getOrDefault(v, Set.of())) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (stack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                List<String> set = new ArrayList<>();
                String w;
                do {
                    w = stack.removeLast();
                    set.add(w);
                } while (!w.equals(v));
                if (set.size() > 1) {
                    set.sort(null);
                    found.add(set);
                }
            }
        }
    }
}
