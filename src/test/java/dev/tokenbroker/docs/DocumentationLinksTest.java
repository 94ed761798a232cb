package dev.tokenbroker.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Documentation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/*.md, read from the working tree, leads to a file that exists and, with
 * a {@code #fragment}, to a heading of that file, by GitHub's anchor rules: lowercase, punctuation dropped, spaces to
 * {@code -}, a repeated heading suffixed {@code -1}, {@code -2}, ... Links in code blocks and code spans are not links.
 */
class DocumentationLinksTest {

    /** {@code [text](target)} or {@code ![alt](target "title")}; the text may hold code spans. */
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [id]: target}, a reference-style link's definition. */
    private static final Pattern REFERENCE = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    @Test
    void everyRelativeLinkLeadsToAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : Documentation.pages()) {
            broken.addAll(brokenLinks(page, Files.readAllLines(page)));
        }
        assertThat(broken).as("broken links in README.md and docs/").isEmpty();
    }

    @Test
    void theReadmeLinksEveryPageOfDocs() throws IOException {
        String readme = Files.readString(Documentation.README);
        for (Path page : Documentation.pages().subList(1, Documentation.pages().size())) {
            assertThat(readme).as("README links " + page).contains("](" + page.toString().replace('\\', '/') + ")");
        }
    }

    @Test
    void aLinkToAMissingFileOrHeadingIsReported() {
        List<String> broken = brokenLinks(Path.of("docs/example.md"), List.of(
                "# Example", "## `GET /tokens`", "See [here](#get-tokens), [api](api.md#errors) and [top](../README.md).",
                "[gone](missing.md), [no such heading](api.md#no-such-heading), [self](#nowhere)",
                "```sh", "[not a link](nowhere.md)", "```", "`[nor this](nowhere.md)` and [web](https://example.com/x.md)"));
        assertThat(broken).containsExactly(
                "docs/example.md:4: missing.md: no file docs/missing.md",
                "docs/example.md:4: api.md#no-such-heading: no heading #no-such-heading in docs/api.md",
                "docs/example.md:4: #nowhere: no heading #nowhere in docs/example.md");
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertThat(anchors(List.of("# token-broker", "## `GET /tokens`", "## `DELETE /tokens/{credential}`",
                "### `tokenbroker.*` keys", "## Callers: who may ask for what", "## HTTPS, Redis over TLS and private CAs",
                "#### `tokenbroker.cache.*`", "## Errors", "## Errors", "## The [API](api.md) in one screen", "## min_ttl")))
                .containsExactly("token-broker", "get-tokens", "delete-tokenscredential", "tokenbroker-keys",
                        "callers-who-may-ask-for-what", "https-redis-over-tls-and-private-cas", "tokenbrokercache", "errors",
                        "errors-1", "the-api-in-one-screen", "min_ttl");
    }

    /** Each broken link of a page as {@code page:line: target: why}. */
    private static List<String> brokenLinks(Path page, List<String> lines) {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchorsByFile = new HashMap<>();
        anchorsByFile.put(page.normalize(), anchors(lines));
        boolean inFence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (isFence(line)) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            String text = CODE_SPAN.matcher(line).replaceAll("");
            List<String> targets = new ArrayList<>();
            Matcher inline = INLINE_LINK.matcher(text);
            while (inline.find()) {
                targets.add(inline.group(1));
            }
            Matcher reference = REFERENCE.matcher(text);
            if (reference.matches()) {
                targets.add(reference.group(1));
            }
            for (String target : targets) {
                if (SCHEME.matcher(target).find()) {
                    continue;
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String fragment = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? page.normalize() : resolve(page, file);
                String where = page + ":" + (i + 1) + ": " + target + ": ";
                if (!file.isEmpty() && !Files.exists(resolved)) {
                    broken.add(where + "no file " + resolved);
                } else if (fragment != null && !anchorsByFile.computeIfAbsent(resolved, DocumentationLinksTest::anchors)
                        .contains(fragment)) {
                    broken.add(where + "no heading #" + fragment + " in " + resolved);
                }
            }
        }
        return broken;
    }

    private static Path resolve(Path page, String file) {
        Path dir = page.getParent() == null ? Path.of("") : page.getParent();
        return dir.resolve(file.replace("%20", " ")).normalize();
    }

    private static Set<String> anchors(Path file) {
        if (!file.toString().endsWith(".md") || Files.isDirectory(file)) {
            return Set.of();
        }
        try {
            return anchors(Files.readAllLines(file));
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** The anchors GitHub gives a Markdown file's headings (and its explicit {@code <a id>}s). */
    static Set<String> anchors(List<String> lines) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : lines) {
            if (isFence(line)) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    /** GitHub's rule: the heading's text (links by their text), lowercase, punctuation dropped, spaces to hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{Mn}\\p{Pc} -]", "").replace(' ', '-');
    }

    private static boolean isFence(String line) {
        String trimmed = line.stripLeading();
        return trimmed.startsWith("```") || trimmed.startsWith("~~~");
    }
}
