package dev.drover.embed.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pod- and container-level securityContext and Secret volume modes, spelled as Kubernetes does. */
class ManifestSecurityContextTest {
  private final ManifestParser parser = new ManifestParser();

  @Test
  void securityContextParsesFieldForFieldAndWritesBack() throws Exception {
    ParsedManifests parsed =
        parser.parseFile(ManifestParserGoodTest.resource("security/hardened-pod.yaml"));
    assertThat(parsed.warnings()).isEmpty();
    Pod pod = parsed.objects().get(0).object().getPod();
    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(1000);
    assertThat(pod.getSpec().getSecurityContext().getRunAsGroup()).isEqualTo(3000);
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSpec().hasSecurityContext()).isTrue();
    Container c = pod.getSpec().getContainers(0);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().hasAllowPrivilegeEscalation()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().hasPrivileged()).isTrue();
    assertThat(c.getSecurityContext().getRunAsUser()).isEqualTo(2000);
    assertThat(c.getSecurityContext().getCapabilities().getDropList()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getCapabilities().getAddList())
        .containsExactly("NET_BIND_SERVICE");
    assertThat(pod.getSpec().getVolumes(0).getSecret().getDefaultMode()).isEqualTo(0440);
    assertThat(pod.getSpec().getVolumes(0).getSecret().getItems(0).getMode()).isEqualTo(0400);

    String yaml = ManifestWriter.toYaml(List.of(parsed.objects().get(0).object()));
    assertThat(yaml).contains("securityContext:").contains("readOnlyRootFilesystem: true");
    Object back = parser.parse("written.yaml", yaml).objects().get(0).object();
    assertThat(back.getPod().getSpec()).isEqualTo(pod.getSpec());
  }

  @Test
  void hostPidIsSpelledAsKubernetesDoesAndUnknownSecurityFieldsAreRefused() {
    assertThat(
            KubeSchema.key(dev.drover.api.v1.PodSpec.getDescriptor().findFieldByName("host_pid")))
        .isEqualTo("hostPID");
    assertThatThrownBy(
            () ->
                parser.parse(
                    "p.yaml",
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                        + "    - name: c\n      image: i\n      securityContext:\n"
                        + "        seLinuxOptions: {}\n"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("seLinuxOptions");
  }
}
