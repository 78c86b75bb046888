package dev.drover.embed.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PodPhase;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Status sections, ignoreUnknown, List documents, JSON input and stream input. */
class ManifestParserOptionsTest {

  private static final String POD_WITH_STATUS =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: exported
        uid: 0b7c3f9e-1111-2222-3333-444455556666
        resourceVersion: "4711"
        creationTimestamp: null
      spec:
        containers:
        - name: c
          image: busybox:1.36
      status:
        phase: Running
        qosClass: BestEffort
        podIP: 10.0.0.7
        containerStatuses:
        - name: c
          ready: true
          state:
            running:
              startedAt: "2024-05-01T12:00:00Z"
      """;

  @Test
  void statusIsIgnoredWithAWarningLikeKubectlApply() throws Exception {
    ParsedManifests parsed = new ManifestParser().parse("pod.yaml", POD_WITH_STATUS);
    Object object = parsed.objects().get(0).object();
    assertThat(object.getPod().hasStatus()).isFalse();
    // Read-only metadata of exported objects is accepted (the server decides what to do).
    assertThat(object.getPod().getMetadata().getResourceVersion()).isEqualTo(4711);
    assertThat(object.getPod().getMetadata().hasCreationTime()).isFalse();
    assertThat(parsed.warnings())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            "pod.yaml:12: status: ignored: status is written by the cluster (kubectl apply ignores"
                + " it too)");
  }

  @Test
  void keepStatusReadsItStrictly() {
    ManifestParser parser = new ManifestParser().keepStatus(true);
    // qosClass is a Kubernetes status field Drover does not have.
    assertThatThrownBy(() -> parser.parse("pod.yaml", POD_WITH_STATUS))
        .hasMessage("pod.yaml:14: status.qosClass: unknown field \"qosClass\"");
  }

  @Test
  void keepStatusWithIgnoreUnknownReadsContainerStateOneof() throws Exception {
    ParsedManifests parsed =
        new ManifestParser()
            .keepStatus(true)
            .ignoreUnknown(true)
            .parse("pod.yaml", POD_WITH_STATUS);
    var status = parsed.objects().get(0).object().getPod().getStatus();
    assertThat(status.getPhase()).isEqualTo(PodPhase.POD_PHASE_RUNNING);
    assertThat(status.getPodIp()).isEqualTo("10.0.0.7");
    assertThat(status.getContainerStatuses(0).getState().getStateCase())
        .isEqualTo(ContainerState.StateCase.RUNNING);
    assertThat(status.getContainerStatuses(0).getState().getRunning().getStartedAt().getSeconds())
        .isEqualTo(1714564800L);
    assertThat(parsed.warnings())
        .extracting(ManifestProblem::toString)
        .containsExactly("pod.yaml:14: status.qosClass: unknown field \"qosClass\"; dropped");
  }

  @Test
  void ignoreUnknownDropsUnknownFieldsWithWarningsButKeepsOtherErrors() throws Exception {
    String yaml =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          managedFields: []
        spec:
          template:
            spec:
              shareProcessNamespace: true
              containers:
              - name: web
                image: nginx
                stdin: true
        """;
    ParsedManifests parsed = new ManifestParser().ignoreUnknown(true).parse("web.yaml", yaml);
    assertThat(parsed.objects()).hasSize(1);
    assertThat(
            parsed
                .objects()
                .get(0)
                .object()
                .getDeployment()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers(0)
                .getImage())
        .isEqualTo("nginx");
    assertThat(parsed.warnings())
        .extracting(ManifestProblem::toString)
        .containsExactly(
            "web.yaml:5: metadata.managedFields: unknown field \"managedFields\"; dropped",
            "web.yaml:9: spec.template.spec.shareProcessNamespace: unknown field"
                + " \"shareProcessNamespace\"; dropped",
            "web.yaml:13: spec.template.spec.containers[0].stdin: unknown field \"stdin\"; dropped");

    assertThatThrownBy(
            () ->
                new ManifestParser()
                    .ignoreUnknown(true)
                    .parse("web.yaml", yaml.replace("image: nginx", "image: [nginx]")))
        .hasMessage(
            "web.yaml:12: spec.template.spec.containers[0].image: expected a string,"
                + " got a list");
  }

  @Test
  void kubernetesListAndJsonInput() throws Exception {
    String json =
        """
        {
          "apiVersion": "v1",
          "kind": "List",
          "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
             "data": {"x": "1"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"},
             "data": {"y": 2}}
          ]
        }
        """;
    assertThatThrownBy(() -> new ManifestParser().parse("list.json", json))
        .hasMessage("list.json:8: items[1].data.y: expected a string, got a number");
    List<ManifestObject> objects =
        new ManifestParser().parse("list.json", json.replace("2}", "\"2\"}")).objects();
    assertThat(objects)
        .extracting(o -> o.object().getConfigMap().getMetadata().getName())
        .containsExactly("a", "b");
    assertThat(objects).extracting(o -> o.source().line()).containsExactly(5, 7);
  }

  @Test
  void readerInputEmptyDocumentsAndNulls() throws Exception {
    String yaml =
        """
        ---
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: a
          labels: ~
        spec: null
        ---
        """;
    ParsedManifests parsed = new ManifestParser().parse("-", new StringReader(yaml));
    assertThat(parsed.objects()).hasSize(1);
    assertThat(parsed.objects().get(0).source()).isEqualTo(new ManifestSource("-", 1, 3));
    assertThat(parsed.objects().get(0).object().getNamespace().hasSpec()).isFalse();
    assertThat(new ManifestParser().parse("-", "").objects()).isEmpty();
  }

  @Test
  void sourcesMixFilesDirectoriesAndStdinAndReportAllErrorsTogether() throws Exception {
    String good = ManifestParserGoodTest.resource("good/service.yaml").toString();
    String dir = ManifestParserGoodTest.resource("good").toString();
    ParsedManifests parsed =
        new ManifestParser()
            .parseSources(
                List.of(good, "-", dir),
                new StringReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n"));
    assertThat(parsed.objects()).hasSize(1 + 1 + 13);
    assertThat(parsed.objects().get(1).source()).isEqualTo(new ManifestSource("-", 0, 1));

    String bad = ManifestParserGoodTest.resource("bad/wrong-type.yaml").toString();
    assertThatThrownBy(
            () ->
                new ManifestParser()
                    .parseSources(
                        List.of(bad, "-", "missing.yaml"), new StringReader("kind: Namespace\n")))
        .isInstanceOfSatisfying(
            ManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(ManifestProblem::toString)
                    .containsExactly(
                        bad + ":9: spec.containers[0].command: expected a list, got a string",
                        "-:1: apiVersion: missing: every manifest needs apiVersion and kind",
                        "-:1: metadata.name: missing: every object needs a name (or generateName)",
                        "missing.yaml: cannot read: java.nio.file.NoSuchFileException: missing.yaml"));
  }

  @Test
  void generateNameStandsInForName() throws Exception {
    String yaml =
        """
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: batch-
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers: [{name: c, image: busybox:1.36}]
        """;
    var job = new ManifestParser().parse("job.yaml", yaml).objects().get(0).object().getJob();
    assertThat(job.getMetadata().getGenerateName()).isEqualTo("batch-");
  }

  @Test
  void yaml11FormsKubernetesUsersWrite() throws Exception {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          hostNetwork: yes
          containers:
          - name: c
            volumeMounts: [{name: v, mountPath: /v, readOnly: on}]
          volumes:
          - name: v
            secret: {secretName: s, defaultMode: 0400, items: [{key: k, path: p, mode: 0x1FF}]}
        """;
    var pod = new ManifestParser().parse("p.yaml", yaml).objects().get(0).object().getPod();
    assertThat(pod.getSpec().getHostNetwork()).isTrue();
    assertThat(pod.getSpec().getContainers(0).getVolumeMounts(0).getReadOnly()).isTrue();
    assertThat(pod.getSpec().getVolumes(0).getSecret().getDefaultMode()).isEqualTo(0400);
    assertThat(pod.getSpec().getVolumes(0).getSecret().getItems(0).getMode()).isEqualTo(0777);
  }
}
