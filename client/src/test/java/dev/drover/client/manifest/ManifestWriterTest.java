package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.v1.Object;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Writing objects as Kubernetes YAML and JSON, and reading them back unchanged. */
class ManifestWriterTest {

  private final ManifestParser parser = new ManifestParser().keepStatus(true);

  /** Every kind, fully populated, in four variants that together set every oneof member. */
  static Stream<Arguments> fullyPopulatedObjects() {
    List<Arguments> cases = new ArrayList<>();
    for (FieldDescriptor kind : KubeSchema.KIND_ONEOF.getFields()) {
      for (int variant = 0; variant < 4; variant++) {
        Message.Builder builder = Object.newBuilder().newBuilderForField(kind);
        Object object =
            Object.newBuilder().setField(kind, ProtoFiller.fill(builder, variant)).build();
        cases.add(Arguments.of(KubeSchema.kindName(kind) + "#" + variant, object));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullyPopulatedObjects")
  void yamlRoundTripKeepsEveryField(String name, Object object) throws Exception {
    String yaml = ManifestWriter.toYaml(object);
    // The filler really populated the object: metadata, nested lists and maps are all there.
    assertThat(object.getSerializedSize()).isGreaterThan(300);
    assertThat(yaml).contains("metadata:", "  labels:", "  ownerReferences:");
    assertThat(only(parser.parse(name + ".yaml", yaml))).isEqualTo(object);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullyPopulatedObjects")
  void jsonRoundTripKeepsEveryField(String name, Object object) throws Exception {
    String json = ManifestWriter.toJson(object);
    assertThat(only(parser.parse(name + ".json", json))).isEqualTo(object);
  }

  @Test
  void ownerReferencesCarryTheOwnersApiVersionAsKubectlWritesThem() throws Exception {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          ownerReferences:
          - apiVersion: apps/v1
            kind: ReplicaSet
            name: web
            uid: 5f0c1d7e-0000-4000-8000-000000000001
            controller: true
        spec:
          containers:
          - name: web
            image: busybox:1.36
        """;
    Object pod = only(parser.parse("owned.yaml", yaml));
    assertThat(pod.getPod().getMetadata().getOwnerReferences(0).getName()).isEqualTo("web");
    assertThat(ManifestWriter.toYaml(pod))
        .contains("  - apiVersion: apps/v1\n    kind: ReplicaSet");
  }

  @Test
  void listsRoundTripAsMultiDocumentYamlAndAsAJsonList() throws Exception {
    // Variant 0 of every kind keeps this test quick on a loaded machine.
    List<Object> objects =
        fullyPopulatedObjects()
            .filter(arguments -> ((String) arguments.get()[0]).endsWith("#0"))
            .map(arguments -> (Object) arguments.get()[1])
            .toList();
    assertThat(objects).hasSize(KubeSchema.KIND_ONEOF.getFieldCount());
    List<Object> fromYaml =
        parser.parse("all.yaml", ManifestWriter.toYaml(objects)).objects().stream()
            .map(ManifestObject::object)
            .toList();
    assertThat(fromYaml).isEqualTo(objects);
    String json = ManifestWriter.toJson(objects);
    assertThat(json).startsWith("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"List\",\n");
    List<Object> fromJson =
        parser.parse("all.json", json).objects().stream().map(ManifestObject::object).toList();
    assertThat(fromJson).isEqualTo(objects);
    String yamlList = ManifestWriter.toYamlList(objects);
    assertThat(yamlList).startsWith("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n");
    List<Object> fromYamlList =
        parser.parse("list.yaml", yamlList).objects().stream().map(ManifestObject::object).toList();
    assertThat(fromYamlList).isEqualTo(objects);
  }

  @Test
  void yamlLeavesOutDefaultsButKeepsPresence() throws Exception {
    String manifest =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            tier: front
            app: web
        spec:
          replicas: 0
          paused: false
          template:
            spec:
              restartPolicy: Always
              containers:
              - name: web
                image: busybox:1.36
                args: []
                resources:
                  limits: {cpu: 1, memory: 64Mi}
              volumes:
              - name: scratch
                emptyDir: {}
        """;
    Object object = only(parser.parse("web.yaml", manifest));
    assertThat(ManifestWriter.toYaml(object))
        .isEqualTo(
            """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            app: web
            tier: front
        spec:
          replicas: 0
          template:
            spec:
              containers:
              - name: web
                image: busybox:1.36
                resources:
                  limits:
                    cpu: "1"
                    memory: 64Mi
              restartPolicy: Always
              volumes:
              - name: scratch
                emptyDir: {}
        """);
    assertThat(ManifestWriter.toJson(object))
        .contains(
            """
                            "emptyDir": {}
        """)
        .contains("\"replicas\": 0,");
  }

  @Test
  void stringsThatYaml11ReadsAsOtherTypesAreQuoted() throws Exception {
    Object configMap =
        only(
            parser.parse(
                "c.yaml",
                """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c}
        data: {a: "yes", b: "0644", c: "1:20", d: "2024-05-01", e: "1.36", f: "off", g: plain}
        """));
    assertThat(ManifestWriter.toYaml(configMap))
        .endsWith(
            """
        data:
          a: "yes"
          b: "0644"
          c: "1:20"
          d: "2024-05-01"
          e: "1.36"
          f: "off"
          g: plain
        """);
  }

  @Test
  void resourceVersionIsAStringAsKubernetesWritesItAndReadsBackFromStringOrNumber()
      throws Exception {
    String quoted =
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, resourceVersion: "1234", generation: 2}
        """;
    Object configMap = only(parser.parse("c.yaml", quoted));
    assertThat(configMap.getConfigMap().getMetadata().getResourceVersion()).isEqualTo(1234);
    assertThat(only(parser.parse("c.yaml", quoted.replace("\"1234\"", "1234"))))
        .isEqualTo(configMap);
    String yaml = ManifestWriter.toYaml(configMap);
    assertThat(yaml).contains("  resourceVersion: \"1234\"\n", "  generation: 2\n");
    String json = ManifestWriter.toJson(configMap);
    assertThat(json).contains("\"resourceVersion\": \"1234\"", "\"generation\": 2");
    assertThat(only(parser.parse("c.json", json))).isEqualTo(configMap);
    assertThat(only(parser.parse("c.yaml", yaml))).isEqualTo(configMap);
    assertThatThrownBy(() -> parser.parse("bad.yaml", quoted.replace("\"1234\"", "\"12x\"")))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("metadata.resourceVersion");
  }

  @Test
  void secretsAreWrittenAsBase64() throws Exception {
    Object secret =
        only(
            parser.parse(
                "s.yaml",
                """
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        data: {password: aHVudGVyMg==}
        """));
    assertThat(ManifestWriter.toYaml(secret)).contains("  password: aHVudGVyMg==\n");
    Object tagged =
        only(
            parser.parse(
                "s.yaml",
                """
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        data: {password: !!binary aHVudGVyMg==}
        """));
    assertThat(tagged).isEqualTo(secret);
    assertThat(secret.getSecret().getDataMap().get("password").toStringUtf8()).isEqualTo("hunter2");
    assertThat(ManifestWriter.toTree(secret))
        .containsKeys("apiVersion", "kind", "metadata", "data");
  }

  @Test
  void anEmptyObjectCannotBeWritten() {
    assertThatThrownBy(() -> ManifestWriter.toYaml(Object.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Object only(ParsedManifests parsed) {
    assertThat(parsed.objects()).hasSize(1);
    return parsed.objects().get(0).object();
  }
}
