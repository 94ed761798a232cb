package dev.tokenbroker.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** One scrape of {@code /q/metrics} in the Prometheus text format: samples, and help and type per family. */
record Scrape(List<Sample> samples, Map<String, String> help, Map<String, String> types) {

    /** One line of values: a sample name (a family name, or one with _bucket, _count, _sum, _total, ...), labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static Scrape parse(String text) {
        Map<String, String> help = new TreeMap<>();
        Map<String, String> types = new TreeMap<>();
        List<Sample> samples = new java.util.ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                (line.startsWith("# HELP ") ? help : types).put(parts[0], parts.length > 1 ? parts[1] : "");
            } else if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(sample(line));
            }
        }
        return new Scrape(List.copyOf(samples), help, types);
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        if (brace < 0) {
            String[] parts = line.split(" ");
            return new Sample(parts[0], Map.of(), Double.parseDouble(parts[1]));
        }
        int close = line.lastIndexOf('}');
        Map<String, String> labels = new HashMap<>();
        Matcher m = LABEL.matcher(line.substring(brace + 1, close));
        while (m.find()) {
            labels.put(m.group(1), m.group(2));
        }
        return new Sample(line.substring(0, brace), labels, Double.parseDouble(line.substring(close + 1).trim().split(" ")[0]));
    }

    /** Every name a query may use: sample names and family names. */
    Set<String> names() {
        Set<String> names = samples.stream().map(Sample::name).collect(Collectors.toCollection(java.util.TreeSet::new));
        names.addAll(types.keySet());
        return names;
    }

    /** The value of the one sample with this name whose labels include these. */
    Optional<Double> value(String name, Map<String, String> labels) {
        List<Sample> found = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (found.size() > 1) {
            throw new AssertionError("more than one sample " + name + labels + ": " + found);
        }
        return found.stream().findFirst().map(Sample::value);
    }
}
