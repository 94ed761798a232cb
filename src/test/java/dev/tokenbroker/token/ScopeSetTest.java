package dev.tokenbroker.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.token.TokenException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScopeSetTest {

    @Test
    void splitsTrimsDropsEmptiesAndDuplicatesAndSorts() {
        assertThat(ScopeSet.parse(List.of(" b, a ", "a  c\n", ",,")).scopes()).containsExactly("a", "b", "c");
    }

    @Test
    void sortIsCaseSensitive() {
        assertThat(ScopeSet.parse("openid AdobeID adobeid").scopes()).containsExactly("AdobeID", "adobeid", "openid");
    }

    @Test
    void equalSetsAreEqualWhateverTheirSpelling() {
        assertThat(ScopeSet.parse("a,b")).isEqualTo(ScopeSet.parse("b a")).isEqualTo(ScopeSet.parse(List.of("a", "b", "a")));
        assertThat(ScopeSet.parse("a")).isNotEqualTo(ScopeSet.parse("a,b"));
    }

    @Test
    void refusesCharactersOutsideRfc6749() {
        for (String bad : List.of("open\u0001id", "a\"b", "a\\b", "é", "a\u007fb")) {
            assertThatThrownBy(() -> ScopeSet.parse(bad)).as(bad).isInstanceOf(TokenException.class);
        }
        assertThat(ScopeSet.parse("api://billing/.default additional_info.projectedProductContext").scopes()).hasSize(2);
    }

    @Test
    void refusesTooManyOrTooLongScopes() {
        String thousand = String.join(",", Collections.nCopies(1000, "x")).replace("x", "s");
        assertThat(ScopeSet.parse(thousand).scopes()).containsExactly("s");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= ScopeSet.MAX_SCOPES; i++) {
            many.append("s").append(i).append(',');
        }
        assertThatThrownBy(() -> ScopeSet.parse(many.toString())).isInstanceOf(TokenException.class);
        assertThatThrownBy(() -> ScopeSet.parse("a".repeat(ScopeSet.MAX_SCOPE_LENGTH + 1))).isInstanceOf(TokenException.class);
    }

    @Test
    void joinsWithTheGivenSeparator() {
        ScopeSet set = ScopeSet.parse("openid AdobeID");
        assertThat(set.join(",")).isEqualTo("AdobeID,openid");
        assertThat(set.toString()).isEqualTo("AdobeID openid");
        assertThat(set.containsAll(ScopeSet.parse("openid"))).isTrue();
        assertThat(ScopeSet.parse("openid").containsAll(set)).isFalse();
        assertThat(set.minus(ScopeSet.parse("openid")).scopes()).containsExactly("AdobeID");
    }
}
