package dev.drover.client.manifest;

import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.RepresentToNode;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.representer.StandardRepresenter;

/**
 * Represents strings so that YAML 1.1 readers also read them back as strings. snakeyaml-engine
 * quotes what YAML 1.2 would misread, but kubectl, PyYAML and most tools read YAML 1.1, where a
 * plain {@code yes}, {@code off}, {@code 0644}, {@code 1:20} or {@code 2024-05-01} is not a string;
 * those are double-quoted here, as kubectl itself writes them.
 */
final class KubeYamlRepresenter extends StandardRepresenter {

  private static final Pattern YAML11_NON_STRING =
      Pattern.compile(
          "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
              + "|~|null|Null|NULL"
              // numbers in any YAML 1.1 form (binary, octal, hex, sexagesimal, floats), loosely
              + "|[-+]?\\.?[0-9][0-9a-fA-FxXoObB_:.eE+-]*"
              + "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
              // timestamps
              + "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?");

  KubeYamlRepresenter(DumpSettings settings) {
    super(settings);
    RepresentToNode standard = representers.get(String.class);
    representers.put(
        String.class,
        data ->
            YAML11_NON_STRING.matcher((String) data).matches()
                ? representScalar(Tag.STR, (String) data, ScalarStyle.DOUBLE_QUOTED)
                : standard.representData(data));
  }
}
