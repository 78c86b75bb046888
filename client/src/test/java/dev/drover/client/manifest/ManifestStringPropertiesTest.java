package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Secret;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

/**
 * Whatever text a ConfigMap or a label holds (YAML indicators, "yes", numbers, line breaks, control
 * characters, any Unicode), the writer's YAML and JSON read back as the same text.
 */
class ManifestStringPropertiesTest {

  private final ManifestParser parser = new ManifestParser();

  @Property(tries = 300)
  void anyTextSurvivesYamlAndJson(
      @ForAll @StringLength(max = 40) String key, @ForAll @StringLength(max = 80) String text)
      throws Exception {
    Assume.that(!key.isEmpty() && isValidUnicode(key) && isValidUnicode(text));
    Object object =
        Object.newBuilder()
            .setConfigMap(
                ConfigMap.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("c").putAnnotations(key, text))
                    .putData(key, text))
            .build();
    assertThat(parser.parse("c.yaml", ManifestWriter.toYaml(object)).objects().get(0).object())
        .isEqualTo(object);
    assertThat(parser.parse("c.json", ManifestWriter.toJson(object)).objects().get(0).object())
        .isEqualTo(object);
  }

  @Property(tries = 100)
  void anyBytesSurviveAsBase64(@ForAll byte[] data) throws Exception {
    Object object =
        Object.newBuilder()
            .setSecret(
                Secret.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("s"))
                    .putData("k", ByteString.copyFrom(data)))
            .build();
    assertThat(parser.parse("s.yaml", ManifestWriter.toYaml(object)).objects().get(0).object())
        .isEqualTo(object);
  }

  /** Protobuf strings are UTF-8, which cannot hold a lone surrogate. */
  private static boolean isValidUnicode(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
