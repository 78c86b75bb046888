package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.client.manifest.ManifestException;
import dev.drover.client.manifest.ManifestParser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every violation the API returns names its field as the manifest spells it, in the path and in the
 * words of its description, and none has an empty path: a representative invalid object of every
 * kind, written as a user writes it, is created through the API and each violation is checked
 * against every proto field name of the schema that a manifest spells differently ({@code
 * value_from}, {@code config_map_ref}, ...).
 */
class ViolationSpellingTest {
  private static InProcessMaster master;

  /** Every field name of the object schema whose manifest spelling differs (has an underscore). */
  private static final Set<String> PROTO_ONLY_NAMES = protoOnlyNames();

  private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  @BeforeAll
  static void startTheApiAlone() {
    master = new InProcessMaster(b -> b.scheduler(false).controllers(false));
  }

  @AfterAll
  static void stopIt() throws Exception {
    master.close();
  }

  private static ControlServiceGrpc.ControlServiceBlockingStub api() {
    return master.control();
  }

  private static Set<String> protoOnlyNames() {
    Set<String> names = new TreeSet<>();
    collect(Object.getDescriptor(), new HashSet<>(), names);
    return names;
  }

  private static void collect(Descriptor message, Set<String> seen, Set<String> names) {
    if (!seen.add(message.getFullName())) {
      return;
    }
    for (FieldDescriptor f : message.getFields()) {
      if (f.getName().contains("_")) {
        names.add(f.getName());
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        collect(f.getMessageType(), seen, names);
      }
    }
  }

  /** A representative invalid manifest per kind: each breaks rules whose messages name fields. */
  static Stream<String> invalidManifests() {
    return Stream.of(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: spelled}
        spec:
          containers:
          - name: main
            image: busybox:1
            env:
            - name: A
              value: x
              valueFrom: {secretKeyRef: {name: s, key: k}}
            envFrom:
            - prefix: P
            readinessProbe: {periodSeconds: 0}
            volumeMounts:
            - {name: nowhere, mountPath: /data}
            ports:
            - {containerPort: 80, hostPort: 8080}
            - {containerPort: 81, hostPort: 8080}
          tolerations:
          - {key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}
          topologySpreadConstraints:
          - {maxSkew: 0, topologyKey: "", whenUnsatisfiable: DoNotSchedule}
        """,
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: spelled}
        spec:
          selector: {matchLabels: {app: a}}
          minReadySeconds: 10
          progressDeadlineSeconds: 5
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxSurge: 0, maxUnavailable: 0}
          template:
            metadata: {labels: {app: b}}
            spec: {containers: [{name: main, image: busybox:1}]}
        """,
        """
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: spelled}
        spec:
          replicas: -1
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: b}}
            spec: {containers: [{name: main, image: busybox:1}]}
        """,
        """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: spelled}
        spec:
          selector: {matchLabels: {app: a}}
          updateStrategy:
            type: RollingUpdate
            rollingUpdate: {maxUnavailable: 0, maxSurge: 0}
          template:
            metadata: {labels: {app: a}}
            spec: {containers: [{name: main, image: busybox:1}]}
        """,
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: spelled}
        spec:
          selector: {matchLabels: {app: a}}
          minReadySeconds: -1
          template:
            metadata: {labels: {app: a}}
            spec: {containers: [{name: main, image: busybox:1}]}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec: {resources: {requests: {storage: 1Gi}}}
        """,
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: spelled}
        spec:
          completionMode: Indexed
          template:
            spec:
              restartPolicy: Always
              containers: [{name: main, image: busybox:1}]
        """,
        """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: spelled}
        spec:
          schedule: "61 * * * *"
          timeZone: Nowhere/Atlantis
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Always
                  containers: [{name: main, image: busybox:1}]
        """,
        """
        apiVersion: v1
        kind: Service
        metadata: {name: spelled}
        spec:
          sessionAffinityTimeoutSeconds: 30
          ports:
          - {port: 0, targetPort: 70000}
        """,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: spelled}
        data: {"bad key": x}
        binaryData: {"other bad": eA==}
        """,
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: spelled}
        stringData: {"bad key": x}
        """,
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: Bad.Namespace}
        """,
        """
        apiVersion: v1
        kind: Node
        metadata: {name: spelled}
        spec:
          taints:
          - {key: "bad key", effect: NoSchedule}
        """,
        """
        apiVersion: v1
        kind: Endpoints
        metadata: {name: spelled}
        subsets:
        - addresses: [{ip: not-an-ip}]
          ports: [{port: 0}]
        """,
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: spelled}
        spec:
          capacity: {storage: 1Gi}
          persistentVolumeReclaimPolicy: Delete
          hostPath: {path: relative/dir}
        """,
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: spelled}
        spec:
          resources: {requests: {storage: -1Gi}}
        """);
  }

  @ParameterizedTest
  @MethodSource("invalidManifests")
  void everyViolationOfEveryKindNamesItsFieldsAsTheManifestDoes(String yaml)
      throws ManifestException {
    Object object = parse(yaml);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> api().create(CreateRequest.newBuilder().setObject(object).build()));
    assertSpelledAsManifests(e);
  }

  @Test
  void aForbiddenPodUpdateListsTheMutableFieldsAsTheManifestSpellsThem() throws Exception {
    Object pod =
        parse(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: updated, namespace: default}\n"
                + "spec: {containers: [{name: main, image: busybox:1}]}\n");
    Object stored = api().create(CreateRequest.newBuilder().setObject(pod).build());
    Object changed =
        stored.toBuilder()
            .setPod(
                stored.getPod().toBuilder()
                    .setSpec(stored.getPod().getSpec().toBuilder().setHostname("other")))
            .build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> api().update(UpdateRequest.newBuilder().setObject(changed).build()));
    assertThat(descriptions(e)).anyMatch(d -> d.contains("activeDeadlineSeconds"));
    assertSpelledAsManifests(e);
  }

  @Test
  void aMissingNameIsNamedWithTheManifestsSpellingOfGenerateName() throws Exception {
    Object pod =
        parse(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: default}\n"
                + "spec: {containers: [{name: main, image: busybox:1}]}\n");
    Object nameless =
        pod.toBuilder()
            .setPod(
                pod.getPod().toBuilder()
                    .setMetadata(pod.getPod().getMetadata().toBuilder().clearName()))
            .build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> api().create(CreateRequest.newBuilder().setObject(nameless).build()));
    assertThat(descriptions(e)).anyMatch(d -> d.contains("generateName"));
    assertSpelledAsManifests(e);
  }

  private static Object parse(String yaml) throws ManifestException {
    return new ManifestParser().parse("test.yaml", yaml).objects().get(0).object();
  }

  private static void assertSpelledAsManifests(StatusRuntimeException e) {
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    List<BadRequest.FieldViolation> violations = violations(e);
    assertThat(violations).as(e.getStatus().getDescription()).isNotEmpty();
    for (BadRequest.FieldViolation v : violations) {
      assertThat(v.getField()).as("path of " + v).isNotBlank();
      // Outside map keys and list indexes, a manifest path has no underscore.
      String path = v.getField().replaceAll("\\[[^]]*]", "");
      assertThat(path).as("path of " + v).doesNotContain("_");
      assertThat(protoOnlyWords(v.getDescription())).as("description of " + v).isEmpty();
    }
    assertThat(protoOnlyWords(e.getStatus().getDescription()))
        .as(e.getStatus().getDescription())
        .isEmpty();
  }

  private static List<String> protoOnlyWords(String text) {
    List<String> found = new ArrayList<>();
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      if (PROTO_ONLY_NAMES.contains(m.group())) {
        found.add(m.group());
      }
    }
    return found;
  }

  private static List<String> descriptions(StatusRuntimeException e) {
    return violations(e).stream().map(BadRequest.FieldViolation::getDescription).toList();
  }

  private static List<BadRequest.FieldViolation> violations(StatusRuntimeException e) {
    List<BadRequest.FieldViolation> out = new ArrayList<>();
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    for (com.google.protobuf.Any a :
        s == null ? List.<com.google.protobuf.Any>of() : s.getDetailsList()) {
      if (a.is(BadRequest.class)) {
        try {
          out.addAll(a.unpack(BadRequest.class).getFieldViolationsList());
        } catch (InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    return out;
  }
}
