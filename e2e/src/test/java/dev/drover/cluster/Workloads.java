package dev.drover.cluster;

import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.deploymentSpec;
import static dev.drover.testing.TestObjects.requests;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMapKeySelector;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStrategy;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.RollingUpdateDeployment;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** Builders of the objects cluster tests deploy, and small helpers over the client. */
public final class Workloads {
  /** How long a cluster test waits for any one thing, generous for a loaded 2-core machine. */
  public static final Duration PATIENCE = Duration.ofSeconds(60);

  private Workloads() {}

  /** Creates namespace {@code name}. */
  public static void namespace(DroverClient client, String name) {
    client
        .namespaces()
        .create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
  }

  /**
   * A rolling-update Deployment {@code name} of {@code replicas} pods labelled {@code app=name},
   * one container running {@code image} with a small request.
   */
  public static DeploymentSpec.Builder deployment(
      String name, int replicas, String image, int maxSurge, int maxUnavailable) {
    return deploymentSpec(
            name, replicas, container("main", image).setResources(requests("10m", "16Mi")))
        .setStrategy(
            DeploymentStrategy.newBuilder()
                .setType(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE)
                .setRollingUpdate(
                    RollingUpdateDeployment.newBuilder()
                        .setMaxSurge(IntOrString.newBuilder().setIntValue(maxSurge))
                        .setMaxUnavailable(IntOrString.newBuilder().setIntValue(maxUnavailable))));
  }

  /**
   * Creates namespace {@code namespace} and the Deployment {@code name} in it, and waits until all
   * its replicas run the template's image and are ready.
   */
  public static void deployReady(
      DroverClient client, String namespace, String name, DeploymentSpec.Builder spec) {
    namespace(client, namespace);
    create(client, namespace, name, spec);
    awaitRolledOut(
        client,
        namespace,
        name,
        spec.getReplicas(),
        spec.getTemplate().getSpec().getContainers(0).getImage());
  }

  /** Creates the Deployment {@code name} in {@code namespace}. */
  public static Deployment create(
      DroverClient client, String namespace, String name, DeploymentSpec.Builder spec) {
    return client
        .deployments()
        .create(
            Deployment.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
                .setSpec(spec)
                .build());
  }

  /** Reads, changes and writes the Deployment's spec, retrying on a conflict. */
  public static Deployment editSpec(
      DroverClient client,
      String namespace,
      String name,
      UnaryOperator<DeploymentSpec.Builder> change) {
    for (int attempt = 0; ; attempt++) {
      Deployment d = client.deployments().get(namespace, name);
      try {
        return client
            .deployments()
            .update(d.toBuilder().setSpec(change.apply(d.getSpec().toBuilder())).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt > 20) {
          throw e;
        }
      }
    }
  }

  /** Sets the image of the first container of the template. */
  public static UnaryOperator<DeploymentSpec.Builder> image(String image) {
    return s -> {
      s.getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage(image);
      return s;
    };
  }

  /** An env var of the first container read from key {@code key} of ConfigMap {@code configMap}. */
  public static UnaryOperator<DeploymentSpec.Builder> envFromConfigMap(
      String var, String configMap, String key) {
    return s -> {
      s.getTemplateBuilder()
          .getSpecBuilder()
          .getContainersBuilder(0)
          .addEnv(
              EnvVar.newBuilder()
                  .setName(var)
                  .setValueFrom(
                      EnvVarSource.newBuilder()
                          .setConfigMapKeyRef(
                              ConfigMapKeySelector.newBuilder().setName(configMap).setKey(key))));
      return s;
    };
  }

  /** The image of a pod's first container. */
  public static String image(Pod p) {
    return p.getSpec().getContainers(0).getImage();
  }

  /** Live pods labelled {@code app=name} in {@code namespace}. */
  public static List<Pod> livePods(DroverClient client, String namespace, String name) {
    return client.pods().list(namespace, "app=" + name).stream()
        .filter(PodTimeline::isLive)
        .toList();
  }

  /**
   * Waits until the deployment has rolled out {@code replicas} ready pods of {@code img} and
   * nothing else.
   */
  public static void awaitRolledOut(
      DroverClient client, String ns, String name, int replicas, String img) {
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              List<Pod> pods = livePods(client, ns, name);
              assertThat(pods)
                  .hasSize(replicas)
                  .allSatisfy(
                      p -> {
                        assertThat(image(p)).isEqualTo(img);
                        assertThat(PodTimeline.isReady(p))
                            .as("ready: %s", p.getMetadata().getName())
                            .isTrue();
                      });
              Deployment d = client.deployments().get(ns, name);
              assertThat(d.getStatus().getObservedGeneration())
                  .isEqualTo(d.getMetadata().getGeneration());
              assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(replicas);
              assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(replicas);
              assertThat(d.getStatus().getReplicas()).isEqualTo(replicas);
            });
  }

  /**
   * Asserts the rolling-update bounds over every recorded moment and that the rollout was seen in
   * between (both images at once), so the check is not vacuous.
   */
  public static void assertBounds(
      List<PodTimeline.Sample> samples, int replicas, int maxSurge, int maxUnavailable) {
    assertThat(samples).isNotEmpty();
    for (int i = 0; i < samples.size(); i++) {
      PodTimeline.Sample s = samples.get(i);
      // On a violation, the events that led to it say which pods changed and why.
      String history =
          String.join(
              "\n",
              samples.subList(Math.max(0, i - 40), i + 1).stream()
                  .map(PodTimeline.Sample::toString)
                  .toList());
      assertThat(s.ready())
          .as("ready pods at revision %d, after:%n%s", s.revision(), history)
          .isGreaterThanOrEqualTo(replicas - maxUnavailable);
      assertThat(s.live())
          .as("pods at revision %d, after:%n%s", s.revision(), history)
          .isLessThanOrEqualTo(replicas + maxSurge);
    }
    assertThat(samples).anySatisfy(s -> assertThat(s.liveByImage()).hasSize(2));
  }
}
