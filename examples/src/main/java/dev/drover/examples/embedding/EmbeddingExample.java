package dev.drover.examples.embedding;

import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.client.DroverClient;
import dev.drover.embed.Drover;
import dev.drover.embed.DroverMaster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Drover as a library: start a master and a node agent inside this JVM, deploy two pods, and watch
 * them run. Run it with {@code java ... EmbeddingExample [docker]}; without an argument the pods
 * are simulated, with {@code docker} they are real containers.
 */
public final class EmbeddingExample {

  private EmbeddingExample() {}

  public static void main(String[] args) throws Exception {
    RuntimeKind runtime =
        args.length > 0 && args[0].equals("docker") ? RuntimeKind.DOCKER : RuntimeKind.SIMULATED;
    run(runtime, System.out, Duration.ofMinutes(2));
  }

  /** The example itself; returns the pods it saw running. */
  public static List<Pod> run(RuntimeKind runtime, PrintStream out, Duration timeout)
      throws TimeoutException {
    // 1. A master (in-memory state) and an agent on this machine, in this process.
    try (DroverMaster cluster =
        Drover.master().withAgent(agent -> agent.nodeName("embedded").runtime(runtime)).start()) {
      cluster.awaitNodeReady("embedded", timeout);
      out.println("cluster up at " + cluster.endpoint());

      // 2. Deploy: the same object a Deployment manifest describes, built in Java.
      try (DroverClient client = cluster.newClient()) {
        client
            .deployments()
            .create(
                Deployment.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("hello").setNamespace("default"))
                    .setSpec(
                        DeploymentSpec.newBuilder()
                            .setReplicas(2)
                            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "hello"))
                            .setTemplate(
                                PodTemplateSpec.newBuilder()
                                    .setMetadata(ObjectMeta.newBuilder().putLabels("app", "hello"))
                                    .setSpec(
                                        PodSpec.newBuilder()
                                            .addContainers(
                                                Container.newBuilder()
                                                    .setName("hello")
                                                    .setImage("busybox:1.36")
                                                    .addAllCommand(
                                                        List.of(
                                                            "sh",
                                                            "-c",
                                                            "echo hello; exec sleep 3600"))))))
                    .build());
        out.println("deployment.apps/hello created");

        // 3. Watch it run: poll until both pods are Running.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
          List<Pod> pods = client.pods().list("default", "app=hello");
          long running =
              pods.stream()
                  .filter(p -> p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING)
                  .count();
          out.println(running + "/2 pods running");
          if (running == 2) {
            for (Pod pod : pods) {
              out.println(
                  pod.getMetadata().getName() + " Running on " + pod.getSpec().getNodeName());
            }
            return pods;
          }
          if (System.nanoTime() > deadline) {
            throw new TimeoutException("the pods did not start within " + timeout);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
      }
    } finally {
      // 4. Leaving the try block stopped the agent, the master and its store.
      out.println("cluster stopped");
    }
  }
}
