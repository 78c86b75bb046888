package dev.drover.master.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The continue token's codec: what it encodes comes back, and what it did not make is refused. */
class ContinueTokenTest {
  @Test
  void roundTripKeepsRevisionAndKey() {
    // A sort key holds a NUL between namespace and name; names may carry any character.
    ContinueToken t = new ContinueToken(4711, ObjectIndex.sortKey("team-a", "web-ü-0"));

    String encoded = t.encode();

    assertThat(encoded).matches("[A-Za-z0-9_-]+");
    assertThat(ContinueToken.decode(encoded)).isEqualTo(t);
  }

  @Test
  void roundTripKeepsANewlineInTheKey() {
    ContinueToken t = new ContinueToken(9, "ns\u0000a\nb");

    assertThat(ContinueToken.decode(t.encode())).isEqualTo(t);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not a token!", "%%%", "A"})
  void refusesGarbage(String token) {
    assertThatThrownBy(() -> ContinueToken.decode(token))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("continue_token is not a token this API issued");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"12x\nns\u0000web", "\nns\u0000web", "12 ns web", "99999999999999999999\nk"})
  void refusesATamperedToken(String raw) {
    String token =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(raw.getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> ContinueToken.decode(token))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(ContinueToken.NOT_ISSUED);
  }

  @Test
  void refusesAnIssuedTokenWithAnEditedRevision() {
    String issued = new ContinueToken(42, "ns\u0000web").encode();
    // Swapping the first character turns the revision's first digit into a non-digit.
    String edited = (issued.charAt(0) == 'A' ? "B" : "A") + issued.substring(1);

    assertThatThrownBy(() -> ContinueToken.decode(edited)).hasMessage(ContinueToken.NOT_ISSUED);
  }
}
