package dev.drover.agent.runtime.docker;

import static dev.drover.agent.testing.Pods.container;
import static dev.drover.testing.TestObjects.boundPod;
import static dev.drover.testing.TestObjects.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PushResponseItem;
import com.google.protobuf.ByteString;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.LocalObjectReference;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Secret;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A registry with basic auth (a second docker-registry on a free loopback port, started by the
 * test): a pod whose image pull Secret holds the credentials pulls and runs; the same pod without
 * the Secret fails with ErrImagePull.
 */
class RegistryAuthTest {

  private static final String REGISTRY_BINARY = "/usr/bin/docker-registry";
  private static final String USER = "drover";
  private static final String PASSWORD = "drover-pw";
  // bcrypt (cost 5) of PASSWORD, made once with Python's crypt module; a test credential only.
  private static final String HTPASSWD =
      USER + ":$2b$05$sLda4UISy17.voobG2AMBOfI9gXcf.HC2y/q3sNQArMzNTkEfDtPa\n";
  private static final Duration LONG = Duration.ofSeconds(90);

  private DockerAgentFixture fx;
  private Process registry;
  private Path registryDir;
  private String address;
  private String image;

  @BeforeEach
  void setUp() throws Exception {
    DockerTestSupport.assumeDocker();
    if (!Files.isExecutable(Path.of(REGISTRY_BINARY))) {
      String why = REGISTRY_BINARY + " is missing (scripts/test-env.sh installs it)";
      if (DockerTestSupport.isCi()) {
        throw new AssertionError(why);
      }
      Assumptions.assumeTrue(false, why + "; skipping");
    }
    fx = new DockerAgentFixture();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    address = "127.0.0.1:" + port;
    image = address + "/drover-auth/busybox:1";
    registryDir = Files.createTempDirectory("drover-registry");
    Files.writeString(registryDir.resolve("htpasswd"), HTPASSWD);
    Path config = registryDir.resolve("config.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version: 0.1",
            "log:",
            "  level: warn",
            "storage:",
            "  filesystem:",
            "    rootdirectory: " + registryDir.resolve("storage"),
            "http:",
            "  addr: " + address,
            "auth:",
            "  htpasswd:",
            "    realm: drover-test",
            "    path: " + registryDir.resolve("htpasswd"),
            ""));
    registry =
        new ProcessBuilder(REGISTRY_BINARY, "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(registryDir.resolve("registry.log").toFile())
            .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> registryStatus() == 401);
    pushImage();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      try {
        fx.docker.removeImageCmd(image).withForce(true).exec();
      } catch (RuntimeException e) {
        // Not tagged (setup failed early).
      }
      fx.close();
    }
    if (registry != null) {
      registry.destroy();
      if (!registry.waitFor(10, TimeUnit.SECONDS)) {
        registry.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (registryDir != null) {
      dev.drover.agent.sync.PodSyncerAccess.deleteTree(registryDir);
    }
  }

  @Test
  void podCredentialsPullFromAnAuthenticatedRegistryAndTheirAbsenceFails() {
    fx.start();
    String dockerConfig =
        "{\"auths\":{\""
            + address
            + "\":{\"auth\":\""
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
            + "\"}}}";
    fx.master.putSecret(
        Secret.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("regcred").setNamespace("default"))
            .setType("kubernetes.io/dockerconfigjson")
            .putData(".dockerconfigjson", ByteString.copyFromUtf8(dockerConfig))
            .build());
    Pod with = authPod("with-creds");
    with =
        with.toBuilder()
            .setSpec(
                with.getSpec().toBuilder()
                    .addImagePullSecrets(LocalObjectReference.newBuilder().setName("regcred")))
            .build();
    String withUid = fx.master.putPod(with).getMetadata().getUid();
    String withoutUid = fx.master.putPod(authPod("without-creds")).getMetadata().getUid();

    PodStatus ok = fx.awaitStatus(withUid, s -> s.getPhase() == PodPhase.POD_PHASE_RUNNING, LONG);
    assertThat(container(ok, "main").getState().hasRunning()).isTrue();
    PodStatus denied =
        fx.awaitStatus(
            withoutUid,
            s -> container(s, "main").getState().getWaiting().getReason().equals("ErrImagePull"),
            LONG);
    assertThat(container(denied, "main").getState().getWaiting().getMessage())
        .containsIgnoringCase("auth");
  }

  private Pod authPod(String name) {
    return boundPod(
            name,
            fx.node,
            shell("main", image, "exec sleep 100000")
                .setImagePullPolicy(ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS)
                .build())
        .build();
  }

  private int registryStatus() {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create("http://" + address + "/v2/").toURL().openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(2000);
      try {
        return c.getResponseCode();
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return -1;
    }
  }

  private void pushImage() throws InterruptedException {
    fx.docker
        .tagImageCmd(DockerTestSupport.LOCAL_IMAGE, address + "/drover-auth/busybox", "1")
        .exec();
    List<String> errors = new CopyOnWriteArrayList<>();
    boolean done =
        fx.docker
            .pushImageCmd(address + "/drover-auth/busybox")
            .withTag("1")
            .withAuthConfig(
                new AuthConfig()
                    .withRegistryAddress(address)
                    .withUsername(USER)
                    .withPassword(PASSWORD))
            .exec(
                new ResultCallback.Adapter<PushResponseItem>() {
                  @Override
                  public void onNext(PushResponseItem item) {
                    if (item.getErrorDetail() != null) {
                      errors.add(item.getErrorDetail().getMessage());
                    }
                  }
                })
            .awaitCompletion(2, TimeUnit.MINUTES);
    assertThat(done).as("push finished in time").isTrue();
    assertThat(errors).as("push errors").isEmpty();
  }
}
