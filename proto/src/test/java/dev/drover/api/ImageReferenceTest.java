package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks image reference parsing against Docker's reference grammar. */
class ImageReferenceTest {

  private static final String HEX64 =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // reference | registry | repository | tag | digest | effective tag
        "busybox | - | busybox | - | - | latest",
        "busybox:1 | - | busybox | 1 | - | 1",
        "library/busybox:1.36.1-musl | - | library/busybox | 1.36.1-musl | - | 1.36.1-musl",
        "127.0.0.1:5000/busybox:1 | 127.0.0.1:5000 | busybox | 1 | - | 1",
        "localhost/a | localhost | a | - | - | latest",
        "localhost:5000/a/b_c/d__e/f-g--h:v | localhost:5000 | a/b_c/d__e/f-g--h | v | - | v",
        "registry.example.com/team/app:latest | registry.example.com | team/app | latest | - | latest",
        "registry:5000/a/b@sha256:"
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            + " | registry:5000 | a/b | - | sha256:"
            + HEX64
            + " | -",
        "Registry.Example.com/app:V1 | Registry.Example.com | app | V1 | - | V1",
      })
  void parses(
      String reference,
      String registry,
      String repository,
      String tag,
      String digest,
      String effectiveTag) {
    ImageReference image = ImageReference.parse(reference);
    assertThat(image.registry().orElse("-")).isEqualTo(registry);
    assertThat(image.repository()).isEqualTo(repository);
    assertThat(image.tag().orElse("-")).isEqualTo(tag);
    assertThat(image.digest().orElse("-")).isEqualTo(digest);
    assertThat(image.effectiveTag().orElse("-")).isEqualTo(effectiveTag);
    assertThat(image.toString()).isEqualTo(reference);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "\"\" | must not be empty",
        "\"busy box\" | whitespace",
        "\" busybox\" | whitespace",
        "Busybox | must be lowercase",
        "library/BusyBox:1 | must be lowercase",
        "busybox: | invalid tag",
        "busybox:-x | invalid tag",
        "busybox:a/b | invalid registry port",
        "busybox@sha256:abc | invalid digest",
        "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef | 64 lower-case",
        "busybox@md5 | invalid digest",
        ":1 | needs a repository",
        "registry:5000/ | needs a repository",
        "a//b | invalid repository path component",
        "a/-b | invalid repository path component",
        "a/b. | invalid repository path component",
        "-a.com/b | invalid registry host",
        "registry:50x0/a | invalid registry port",
      })
  void rejects(String reference, String reason) {
    assertThatThrownBy(() -> ImageReference.parse(reference))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
    assertThat(ImageReference.tryParse(reference)).isEmpty();
  }
}
