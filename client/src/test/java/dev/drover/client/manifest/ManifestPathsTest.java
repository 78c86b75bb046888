package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Proto field paths respelled as manifests spell them. */
class ManifestPathsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "spec.containers[0].env[0].value_from, spec.containers[0].env[0].valueFrom",
    "spec.containers[0].env[1].value_from.config_map_key_ref.name,"
        + " spec.containers[0].env[1].valueFrom.configMapKeyRef.name",
    "spec.template.spec.init_containers[2].image, spec.template.spec.initContainers[2].image",
    "spec.ports[0].node_port, spec.ports[0].nodePort",
    "metadata.resource_version, metadata.resourceVersion",
    "metadata.creation_time, metadata.creationTimestamp",
    "spec.job_template.spec.template.spec.restart_policy,"
        + " spec.jobTemplate.spec.template.spec.restartPolicy",
    // Already camelCase, or not a field of any kind: kept.
    "spec.containers[0].readinessProbe, spec.containers[0].readinessProbe",
    "objects[3].spec.min_ready_seconds, objects[3].spec.minReadySeconds",
    "label_selector, label_selector",
    "kind, kind",
    "metadata, metadata",
    // Map keys are kept as written, dots and underscores included.
    "metadata.labels.my_label, metadata.labels.my_label",
    "metadata.annotations[example.com/some_key], metadata.annotations[example.com/some_key]",
    "spec.containers[0].resources.limits.cpu, spec.containers[0].resources.limits.cpu",
    "spec.containers[0].resources.limits[cpu], spec.containers[0].resources.limits.cpu",
  })
  void respellsProtoNames(String path, String expected) {
    assertThat(ManifestPaths.manifestSpelling(path)).isEqualTo(expected);
  }
}
