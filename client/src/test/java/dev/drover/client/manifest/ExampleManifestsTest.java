package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manifests under examples/manifests parse strictly and contain what their comments say. */
class ExampleManifestsTest {

  /** Surefire runs in the cli module directory; the examples live next to it. */
  private static final Path EXAMPLES = Path.of("..", "examples", "manifests");

  private final ManifestParser parser = new ManifestParser();

  private List<Object> parse(String file) throws ManifestException {
    ParsedManifests parsed = parser.parseFile(EXAMPLES.resolve(file));
    assertThat(parsed.warnings()).isEmpty();
    return parsed.objects().stream().map(ManifestObject::object).toList();
  }

  @Test
  void webIsABusyboxHttpdDeploymentWithAService() throws Exception {
    List<Object> objects = parse("web.yaml");
    assertThat(objects)
        .extracting(Object::getKindCase)
        .containsExactly(Object.KindCase.DEPLOYMENT, Object.KindCase.SERVICE);
    var deployment = objects.get(0).getDeployment();
    assertThat(deployment.getSpec().getReplicas()).isBetween(2, 3);
    Container httpd = deployment.getSpec().getTemplate().getSpec().getContainers(0);
    assertThat(httpd.getImage()).isEqualTo("busybox:1.36");
    assertThat(String.join(" ", httpd.getArgsList())).contains("httpd -f -v -p 8080 -h /var/www");
    assertThat(deployment.getSpec().getSelector().getMatchLabelsMap())
        .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabelsMap());
    var service = objects.get(1).getService();
    assertThat(service.getSpec().getSelectorMap())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabelsMap());
    assertThat(service.getSpec().getPorts(0).getTargetPort().getStringValue())
        .isEqualTo(httpd.getPorts(0).getName());
  }

  @Test
  void multiContainerPodSharesAVolume() throws Exception {
    var pod = parse("multi-container-pod.yaml").get(0).getPod();
    assertThat(pod.getSpec().getContainersCount()).isEqualTo(2);
    String volume = pod.getSpec().getVolumes(0).getName();
    assertThat(pod.getSpec().getVolumes(0).hasEmptyDir()).isTrue();
    assertThat(pod.getSpec().getContainersList())
        .allSatisfy(c -> assertThat(c.getVolumeMounts(0).getName()).isEqualTo(volume));
  }

  @Test
  void daemonSetToleratesControlPlaneTaints() throws Exception {
    var daemonSet = parse("daemonset.yaml").get(0).getDaemonSet();
    assertThat(daemonSet.getSpec().getTemplate().getSpec().getTolerationsCount()).isEqualTo(1);
    assertThat(
            daemonSet
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers(0)
                .getResources()
                .getLimitsMap())
        .containsEntry("memory", "32Mi");
  }

  @Test
  void jobRunsFiveCompletionsTwoAtATime() throws Exception {
    var job = parse("job.yaml").get(0).getJob();
    assertThat(job.getSpec().getCompletions()).isEqualTo(5);
    assertThat(job.getSpec().getParallelism()).isEqualTo(2);
  }

  @Test
  void deploymentHasAllThreeProbeKindsAndLimits() throws Exception {
    var deployment = parse("deployment-probes-limits.yaml").get(0).getDeployment();
    Container web = deployment.getSpec().getTemplate().getSpec().getContainers(0);
    assertThat(List.of(web.getStartupProbe(), web.getReadinessProbe(), web.getLivenessProbe()))
        .extracting(Probe::getHandlerCase)
        .containsExactly(
            Probe.HandlerCase.TCP_SOCKET, Probe.HandlerCase.EXEC, Probe.HandlerCase.HTTP_GET);
    assertThat(web.getResources().getRequestsMap()).containsKeys("cpu", "memory");
    assertThat(web.getResources().getLimitsMap()).containsKeys("cpu", "memory");
  }

  @Test
  void statefulSetWebHasAHeadlessServiceAndAClaimTemplate() throws Exception {
    List<Object> objects = parse("statefulset-web.yaml");
    var service = objects.get(0).getService();
    assertThat(service.getSpec().getClusterIp()).isEqualTo("None");
    var set = objects.get(1).getStatefulSet();
    assertThat(set.getSpec().getServiceName()).isEqualTo("nginx");
    assertThat(set.getSpec().getVolumeClaimTemplates(0).getMetadata().getName()).isEqualTo("www");
    assertThat(set.getSpec().getVolumeClaimTemplates(0).getSpec().getResources().getRequestsMap())
        .containsEntry("storage", "1Gi");
  }

  @Test
  void mysqlMountsAClaimOfAHandMadeVolume() throws Exception {
    List<Object> objects = parse("mysql-pv.yaml");
    var pv = objects.get(0).getPersistentVolume();
    assertThat(pv.getSpec().getHostPath().getPath()).isEqualTo("/tmp/drover-example-mysql-data");
    assertThat(pv.getSpec().getAccessModesList())
        .containsExactly(PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE);
    var claim = objects.get(1).getPersistentVolumeClaim();
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("manual");
    var volume = objects.get(2).getDeployment().getSpec().getTemplate().getSpec().getVolumes(0);
    assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("mysql-pv-claim");
  }

  @Test
  void everyExampleIsCoveredAndRoundTrips() throws Exception {
    try (var files = Files.list(EXAMPLES)) {
      List<String> names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".yaml"))
              .sorted()
              .toList();
      assertThat(names)
          .containsExactly(
              "daemonset.yaml",
              "deployment-probes-limits.yaml",
              "job.yaml",
              "multi-container-pod.yaml",
              "mysql-pv.yaml",
              "statefulset-web.yaml",
              "web.yaml");
      for (String name : names) {
        List<Object> objects = parse(name);
        List<Object> again =
            parser.parse(name, ManifestWriter.toYaml(objects)).objects().stream()
                .map(ManifestObject::object)
                .toList();
        assertThat(again).as(name).isEqualTo(objects);
      }
    }
  }
}
