package dev.tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Documentation;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md against {@link TokenBrokerConfig}: every key of the mapping has a row with its default, and
 * no page of the documentation names a {@code tokenbroker.*} key that does not exist. Keys are derived as SmallRye
 * Config derives them (a method is a key in kebab case, a nested interface a segment), by reflection, so no broker
 * starts.
 */
class ConfigurationDocTest {

    private static final Path PAGE = Path.of("docs/configuration.md");
    /** A table row whose first cell is one key: {@code | `tokenbroker.x.y` | default | meaning |}. */
    private static final Pattern ROW = Pattern.compile("^\\| `(tokenbroker\\.[a-z0-9.*-]+)` \\|([^|]*)\\|(.*)\\|\\s*$");
    /** A {@code tokenbroker.*} name in prose; not one inside a quoted Quarkus key such as {@code "tokenbroker.audit"}. */
    private static final Pattern NAME = Pattern.compile("(?<![\\w\".-])tokenbroker(?:\\.[a-z0-9-]+)+");
    /** Names in the documentation that start like keys but are not: the audit log category, TokenGrant's API group. */
    private static final Set<String> NOT_KEYS = Set.of("tokenbroker.audit", "tokenbroker.dev");

    @Test
    void everyKeyOfTheMappingHasARowWithItsDefault() throws IOException {
        assertThat(keys(TokenBrokerConfig.class)).as("keys found in TokenBrokerConfig").hasSizeGreaterThan(30);
        assertThat(undocumented(TokenBrokerConfig.class, Files.readString(PAGE))).as("keys of TokenBrokerConfig, against " + PAGE)
                .isEmpty();
    }

    @Test
    void aKeyAddedToTheMappingButNotToThePageFailsAndSaysWhereItGoes() throws IOException {
        List<String> problems = undocumented(WithNewKeys.class, Files.readString(PAGE));
        assertThat(problems).anySatisfy(problem -> assertThat(problem)
                .startsWith("tokenbroker.tokens.example-new-key (Tokens#exampleNewKey(), default 1s) is missing from docs/configuration.md")
                .contains("| `tokenbroker.tokens.example-new-key` | `1s` | <what it does> |")
                .contains("under the heading #### `tokenbroker.tokens.*`"));
        assertThat(problems).anySatisfy(problem -> assertThat(problem)
                .startsWith("tokenbroker.example-group.flag (ExampleGroup#flag(), default false) is missing")
                .contains("under a new heading #### `tokenbroker.example-group.*`"));
        assertThat(problems).anySatisfy(problem -> assertThat(problem)
                .isEqualTo("tokenbroker.tokens.min-ttl (Tokens#minTtl()) has the default 10m, but its row in"
                        + " docs/configuration.md says 300s: write `10m`"));
    }

    /** What a mapping with two keys more, and another default, would look like; never bound. */
    @ConfigMapping(prefix = "tokenbroker")
    interface WithNewKeys {
        /** Lifetimes. */
        Tokens tokens();

        /** A group the page does not have. */
        ExampleGroup exampleGroup();

        interface Tokens {
            /** Documented, with another default. */
            @WithDefault("10m")
            Duration minTtl();

            /** New. */
            @WithDefault("1s")
            Duration exampleNewKey();
        }

        interface ExampleGroup {
            /** New, in a new group. */
            @WithDefault("false")
            boolean flag();
        }
    }

    /** What is missing from the page, or wrong there, for each key of a mapping: one sentence each, saying what to write where. */
    private static List<String> undocumented(Class<?> mapping, String page) {
        Map<String, Row> rows = rows(page);
        List<String> problems = new ArrayList<>();
        for (Key key : keys(mapping).values()) {
            Row row = rows.get(key.name());
            String expected = key.defaultValue().orElse("none");
            if (row == null) {
                problems.add(key.name() + " (" + key.method() + ", default " + expected + ") is missing from " + PAGE
                        + ": add a row | `" + key.name() + "` | " + render(key.defaultValue()) + " | <what it does> | "
                        + where(key.name(), page));
            } else if (!row.defaultValue().equals(expected)) {
                problems.add(key.name() + " (" + key.method() + ") has the default " + expected + ", but its row in " + PAGE
                        + " says " + row.defaultValue() + ": write " + render(key.defaultValue()));
            } else if (row.meaning().isBlank()) {
                problems.add(key.name() + " has no meaning in its row in " + PAGE);
            }
        }
        return problems;
    }

    @Test
    void noPageNamesATokenbrokerKeyThatDoesNotExist() throws IOException {
        Set<String> keys = keys(TokenBrokerConfig.class).keySet();
        List<String> problems = new ArrayList<>();
        for (Path page : Documentation.pages()) {
            List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = NAME.matcher(lines.get(i));
                while (m.find()) {
                    String name = m.group();
                    if (!exists(name, keys)) {
                        problems.add(page + ":" + (i + 1) + " names " + name + ", which TokenBrokerConfig does not have"
                                + " (keys are listed in " + PAGE + "; a removed or renamed key must go from the page too)");
                    }
                }
            }
        }
        for (String documented : rows(Files.readString(PAGE)).keySet()) {
            if (!keys.contains(documented)) {
                problems.add(PAGE + " has a row for " + documented + ", which TokenBrokerConfig does not have");
            }
        }
        assertThat(problems).as("tokenbroker.* names in the documentation").isEmpty();
    }

    @Test
    void keysAreDerivedAsSmallRyeConfigDerivesThem() {
        Map<String, Key> keys = keys(TokenBrokerConfig.class);
        assertThat(keys).containsKeys("tokenbroker.allow-insecure-token-url", "tokenbroker.credentials.reload-interval",
                "tokenbroker.upstream.circuit-breaker.request-volume-threshold", "tokenbroker.tokens.max-ttl");
        assertThat(keys.get("tokenbroker.tokens.min-ttl").defaultValue()).contains("300s");
        assertThat(keys.get("tokenbroker.tokens.max-ttl").defaultValue()).isEmpty();
        assertThat(kebab("jwksMinRefreshInterval")).isEqualTo("jwks-min-refresh-interval");
    }

    /** A key of the mapping, the method that declares it, and its {@code @WithDefault}. */
    private record Key(String name, String method, Optional<String> defaultValue) {
    }

    /** A row of the page's tables. */
    private record Row(String defaultValue, String meaning) {
    }

    /** Every key of a {@code @ConfigMapping}, with its prefix, sorted by name. */
    private static Map<String, Key> keys(Class<?> mapping) {
        Map<String, Key> keys = new TreeMap<>();
        collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, keys);
        return keys;
    }

    private static void collect(String prefix, Class<?> group, Map<String, Key> keys) {
        for (Method method : group.getMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            String segment = method.isAnnotationPresent(WithParentName.class) ? null
                    : method.isAnnotationPresent(WithName.class) ? method.getAnnotation(WithName.class).value()
                    : kebab(method.getName());
            String name = segment == null ? prefix : prefix + "." + segment;
            Type type = method.getGenericReturnType();
            Class<?> nested = nestedGroup(type);
            if (nested != null) {
                collect(isMap(type) ? name + ".*" : name, nested, keys);
            } else {
                WithDefault withDefault = method.getAnnotation(WithDefault.class);
                keys.put(name, new Key(name, group.getSimpleName() + "#" + method.getName() + "()",
                        Optional.ofNullable(withDefault).map(WithDefault::value)));
            }
        }
    }

    /** The group interface a method returns, directly, in an {@code Optional}, or as the values of a {@code Map}. */
    private static Class<?> nestedGroup(Type type) {
        if (type instanceof Class<?> c) {
            return isGroup(c) ? c : null;
        }
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            Type inner = args[args.length - 1];
            return inner instanceof Class<?> c && isGroup(c) && (p.getRawType() == Optional.class || isMap(p)) ? c : null;
        }
        return null;
    }

    private static boolean isMap(Type type) {
        return type instanceof ParameterizedType p && p.getRawType() == Map.class;
    }

    /** An interface of the mapping's own (not {@code String}, {@code Duration}, {@code List}...). */
    private static boolean isGroup(Class<?> c) {
        return c.isInterface() && c.getPackageName().startsWith("dev.tokenbroker");
    }

    /** SmallRye's default naming: {@code allowInsecureTokenUrl} is {@code allow-insecure-token-url}. */
    static String kebab(String method) {
        return method.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replaceAll("([A-Z])([A-Z][a-z])", "$1-$2")
                .toLowerCase(Locale.ROOT);
    }

    private static boolean exists(String name, Set<String> keys) {
        return NOT_KEYS.contains(name) || keys.contains(name)
                || keys.stream().anyMatch(key -> key.startsWith(name + ".") || matchesMapKey(key, name));
    }

    /** {@code tokenbroker.upstreams.*.timeout} is named in the page as {@code tokenbroker.upstreams.ims.timeout}. */
    private static boolean matchesMapKey(String key, String name) {
        return key.contains("*") && name.matches(Pattern.quote(key).replace("*", "\\E[a-z0-9-]+\\Q") + "(\\..*)?");
    }

    private static Map<String, Row> rows(String page) {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : page.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.put(m.group(1), new Row(m.group(2).strip().replace("`", ""), m.group(3).strip()));
            }
        }
        return rows;
    }

    /** Where on the page a key's row goes: the table of its group (the first segment after the prefix). */
    private static String where(String key, String page) {
        String[] segments = key.split("\\.");
        if (segments.length == 2) {
            return "to the table under the heading #### Other `tokenbroker.*` keys";
        }
        String heading = "#### `" + segments[0] + "." + segments[1] + ".*`";
        return page.lines().anyMatch(heading::equals) ? "to the table under the heading " + heading
                : "in a table under a new heading " + heading + " in the section ### `tokenbroker.*` keys";
    }

    private static String render(Optional<String> defaultValue) {
        return defaultValue.map(d -> "`" + d + "`").orElse("none");
    }
}
