package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.embed.DroverTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover get pv,pvc} against a real master: a PersistentVolume made by hand and the claim
 * that binds to it, listed with kubectl's columns once the binder has bound them.
 */
class VolumeTablesTest {
  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @TempDir static Path home;

  @Test
  void getPvPvcShowsTheBindingInKubectlsColumns() throws Exception {
    Path manifest = home.resolve("volumes.yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: by-hand}
        spec:
          storageClassName: manual
          capacity: {storage: 2Gi}
          accessModes: [ReadWriteOnce]
          hostPath: {path: /tmp/drover-volume-tables-test}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: wants}
        spec:
          storageClassName: manual
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
        """);
    ClusterCli cli = new ClusterCli(cluster, home);
    assertThat(cli.run("apply", "-f", manifest.toString()).code()).isZero();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ClusterCli.Run get = cli.run("get", "pv,pvc");
              assertThat(get.code()).as(get.err()).isZero();
              List<String> lines = get.out().lines().toList();
              assertThat(lines)
                  .anySatisfy(
                      l ->
                          assertThat(l.split("\\s+"))
                              .containsExactly(
                                  "NAME",
                                  "CAPACITY",
                                  "ACCESS",
                                  "MODES",
                                  "RECLAIM",
                                  "POLICY",
                                  "STATUS",
                                  "CLAIM",
                                  "STORAGECLASS",
                                  "AGE"));
              assertThat(lines)
                  .anySatisfy(
                      l ->
                          assertThat(l.split("\\s+"))
                              .startsWith(
                                  "persistentvolume/by-hand",
                                  "2Gi",
                                  "RWO",
                                  "Retain",
                                  "Bound",
                                  "default/wants",
                                  "manual"));
              assertThat(lines)
                  .anySatisfy(
                      l ->
                          assertThat(l.split("\\s+"))
                              .startsWith(
                                  "persistentvolumeclaim/wants",
                                  "Bound",
                                  "by-hand",
                                  "2Gi",
                                  "RWO",
                                  "manual"));
            });
  }
}
