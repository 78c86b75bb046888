package dev.drover.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Round-trips fully populated objects through the binary wire format and through JSON, so that
 * every field of Pod and Deployment survives both encodings that clients use.
 */
class RoundTripTest {

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  @Test
  void everyFieldOfPodSurvivesBytesAndJson() throws Exception {
    Pod pod = (Pod) new Filler().fill(Pod.newBuilder()).build();
    assertThat(unsetFields(pod)).as("fields the filler left unset").isEmpty();
    assertRoundTrips(pod, Pod.newBuilder());
    assertRoundTrips(Object.newBuilder().setPod(pod).build(), Object.newBuilder());
  }

  @Test
  void everyFieldOfDeploymentSurvivesBytesAndJson() throws Exception {
    Deployment deployment = (Deployment) new Filler().fill(Deployment.newBuilder()).build();
    assertThat(unsetFields(deployment)).as("fields the filler left unset").isEmpty();
    assertRoundTrips(deployment, Deployment.newBuilder());
    assertRoundTrips(Object.newBuilder().setDeployment(deployment).build(), Object.newBuilder());
  }

  @Test
  void handWrittenDeploymentKeepsOneofChoicesAndExplicitZeros() throws Exception {
    Container web =
        Container.newBuilder()
            .setName("web")
            .setImage("127.0.0.1:5000/busybox:1")
            .setImagePullPolicy(ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT)
            .addCommand("httpd")
            .addArgs("-f")
            .addPorts(
                ContainerPort.newBuilder()
                    .setName("http")
                    .setContainerPort(8080)
                    .setProtocol(Protocol.PROTOCOL_TCP))
            .setResources(
                ResourceRequirements.newBuilder()
                    .putRequests("cpu", "100m")
                    .putLimits("memory", "64Mi"))
            .addEnv(
                EnvVar.newBuilder()
                    .setName("PASSWORD")
                    .setValueFrom(
                        EnvVarSource.newBuilder()
                            .setSecretKeyRef(
                                SecretKeySelector.newBuilder().setName("db").setKey("password"))))
            .setLivenessProbe(
                Probe.newBuilder()
                    .setHttpGet(
                        HttpGetAction.newBuilder()
                            .setPath("/healthz")
                            .setPort(IntOrString.newBuilder().setStringValue("http"))))
            .setReadinessProbe(
                Probe.newBuilder()
                    .setTcpSocket(
                        TcpSocketAction.newBuilder()
                            .setPort(IntOrString.newBuilder().setIntValue(8080)))
                    .setPeriodSeconds(0))
            .build();
    Deployment deployment =
        Deployment.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default"))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(0)
                    .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                    .setTemplate(
                        PodTemplateSpec.newBuilder()
                            .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                            .setSpec(
                                PodSpec.newBuilder()
                                    .addContainers(web)
                                    .addVolumes(
                                        Volume.newBuilder()
                                            .setName("scratch")
                                            .setEmptyDir(
                                                EmptyDirVolumeSource.getDefaultInstance()))))
                    .setStrategy(
                        DeploymentStrategy.newBuilder()
                            .setType(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE)
                            .setRollingUpdate(
                                RollingUpdateDeployment.newBuilder()
                                    .setMaxSurge(IntOrString.newBuilder().setStringValue("25%"))
                                    .setMaxUnavailable(IntOrString.newBuilder().setIntValue(0)))))
            .build();

    Deployment back = assertRoundTrips(deployment, Deployment.newBuilder());

    // Presence matters: replicas 0 and period 0 were set explicitly and must not read as unset,
    // and an IntOrString holding 0 must still say it holds a number.
    assertThat(back.getSpec().hasReplicas()).isTrue();
    assertThat(back.getSpec().getReplicas()).isZero();
    Container backWeb = back.getSpec().getTemplate().getSpec().getContainers(0);
    assertThat(backWeb.getReadinessProbe().hasPeriodSeconds()).isTrue();
    assertThat(backWeb.getLivenessProbe().getHandlerCase()).isEqualTo(Probe.HandlerCase.HTTP_GET);
    assertThat(back.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getValueCase())
        .isEqualTo(IntOrString.ValueCase.INT_VALUE);
    assertThat(back.getSpec().getTemplate().getSpec().getVolumes(0).getSourceCase())
        .isEqualTo(Volume.SourceCase.EMPTY_DIR);
    assertThat(PRINTER.print(deployment)).contains("\"container_port\": 8080", "\"25%\"");
  }

  /** Encodes to bytes and to JSON, decodes both, asserts both equal the original. */
  @SuppressWarnings("unchecked")
  private static <T extends Message> T assertRoundTrips(T original, Message.Builder empty)
      throws InvalidProtocolBufferException {
    Message fromBytes = empty.clone().mergeFrom(original.toByteString()).build();
    assertThat(fromBytes).isEqualTo(original);

    String json = PRINTER.print(original);
    Message.Builder fromJson = empty.clone();
    PARSER.merge(json, fromJson);
    assertThat(fromJson.build()).isEqualTo(original);
    return (T) fromBytes;
  }

  /** Paths of the fields of {@code message} (recursively) that are not set. */
  private static List<String> unsetFields(Message message) {
    List<String> unset = new ArrayList<>();
    collectUnset(message, message.getDescriptorForType().getName(), unset);
    return unset;
  }

  private static void collectUnset(Message message, String at, List<String> unset) {
    Descriptor type = message.getDescriptorForType();
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (!message.hasOneof(oneof)) {
        unset.add(at + "." + oneof.getName());
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      String path = at + "." + field.getName();
      if (field.isRepeated()) {
        if (message.getRepeatedFieldCount(field) == 0) {
          unset.add(path);
        } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()) {
          collectUnset((Message) message.getRepeatedField(field, 0), path + "[0]", unset);
        }
      } else if (field.getRealContainingOneof() != null) {
        if (message.hasField(field) && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          collectUnset((Message) message.getField(field), path, unset);
        }
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (!message.hasField(field)) {
          unset.add(path);
        } else if (!field.getMessageType().getFullName().startsWith("google.protobuf.")) {
          collectUnset((Message) message.getField(field), path, unset);
        }
      } else if (!message.hasField(field) && field.hasPresence()) {
        unset.add(path);
      } else if (!field.hasPresence() && message.getField(field).equals(field.getDefaultValue())) {
        unset.add(path);
      }
    }
  }

  /**
   * Sets every field of a message to a distinct non-default value, recursively; repeated and map
   * fields get two entries. For a oneof, the last member wins.
   */
  private static final class Filler {
    private int counter;

    Message.Builder fill(Message.Builder builder) {
      Descriptor type = builder.getDescriptorForType();
      if (type.equals(Timestamp.getDescriptor())) {
        counter++;
        return builder.mergeFrom(
            Timestamp.newBuilder().setSeconds(1_700_000_000L + counter).setNanos(counter).build());
      }
      for (FieldDescriptor field : type.getFields()) {
        if (field.isMapField()) {
          for (int i = 0; i < 2; i++) {
            builder.addRepeatedField(field, fill(builder.newBuilderForField(field)).build());
          }
        } else if (field.isRepeated()) {
          for (int i = 0; i < 2; i++) {
            builder.addRepeatedField(field, value(builder, field));
          }
        } else {
          builder.setField(field, value(builder, field));
        }
      }
      return builder;
    }

    private java.lang.Object value(Message.Builder parent, FieldDescriptor field) {
      counter++;
      switch (field.getJavaType()) {
        case INT:
          return counter;
        case LONG:
          return 1_000_000L + counter;
        case FLOAT:
          return counter + 0.5f;
        case DOUBLE:
          return counter + 0.25;
        case BOOLEAN:
          return true;
        case STRING:
          return field.getName() + "-" + counter;
        case BYTE_STRING:
          return ByteString.copyFromUtf8("bytes-" + counter);
        case ENUM:
          EnumDescriptor e = field.getEnumType();
          return e.getValues().get(e.getValues().size() - 1);
        case MESSAGE:
          return fill(parent.newBuilderForField(field)).build();
        default:
          throw new IllegalStateException("unhandled type of " + field.getFullName());
      }
    }
  }
}
