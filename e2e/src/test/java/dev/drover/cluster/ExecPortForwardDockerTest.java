package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerRuntime;
import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.agent.sync.Labels;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.cli.Main;
import dev.drover.cli.core.Cli;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.testing.TestObjects;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover exec} and {@code drover port-forward} through a real master and a node agent on the
 * local Docker daemon: a command's output and exit code come back; an interactive shell under tmux
 * gets a prompt, runs a command and exits; a forward to a busybox httpd serves 100 concurrent
 * connections, and deleting the pod ends it with a message saying so.
 *
 * <p>Without a Docker daemon the tests are skipped, and fail under {@code CI=true}.
 */
class ExecPortForwardDockerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final String POD = "shell";
  private static final String BODY = "hello-from-drover";

  @TempDir Path dir;
  private final String node = "exec-it-" + UUID.randomUUID().toString().substring(0, 8);
  private DockerRuntime docker;
  private Master master;
  private NodeAgent agent;
  private DroverClient client;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void start() {
    DockerTestSupport.assumeDocker();
    docker = DockerRuntime.connect(DockerTestSupport.DOCKER_HOST, Duration.ofMinutes(2));
    master = Master.builder().apiHost("127.0.0.1").apiPort(0).metricsPort(-1).start();
    client = DroverClient.builder().endpoint(master.apiAddress()).build();
    agent =
        NodeAgent.create(
                AgentConfig.builder()
                    .nodeName(node)
                    .masterEndpoint(master.apiAddress())
                    .runtime(RuntimeKind.DOCKER)
                    .dockerHost(DockerTestSupport.DOCKER_HOST)
                    .dataDir(dir.resolve("agent"))
                    .bindAddress("127.0.0.1")
                    .build(),
                docker,
                target -> NettyChannelBuilder.forTarget(target).usePlaintext().build())
            .start();
    String script =
        "mkdir -p /www && echo " + BODY + " > /www/index.html && exec httpd -f -p 8080 -h /www";
    client
        .pods()
        .create(
            TestObjects.pod(
                    "default",
                    POD,
                    TestObjects.shell("main", DockerTestSupport.LOCAL_IMAGE, script))
                .setSpec(
                    TestObjects.podSpec(
                            TestObjects.shell("main", DockerTestSupport.LOCAL_IMAGE, script))
                        .setNodeName(node)
                        .setTerminationGracePeriodSeconds(1))
                .build());
    await()
        .atMost(PATIENCE)
        .until(
            () -> {
              Pod p = client.pods().get("default", POD);
              return p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING
                  && !p.getStatus().getPodIp().isEmpty();
            });
  }

  @AfterEach
  void stop() throws Exception {
    // The containers first (the agent would only stop them), then everything in reverse order.
    if (docker != null) {
      docker.list(Map.of(Labels.NODE, node)).forEach(c -> docker.remove(c.id()));
    }
    for (AutoCloseable c : new AutoCloseable[] {agent, client, master, docker}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private Run drover(String... args) {
    return droverWithStdin("", args);
  }

  private Run droverWithStdin(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(cli(out, err, stdin), withServer(args));
    return new Run(code, out.toString(), err.toString());
  }

  private String[] withServer(String... args) {
    List<String> all = new ArrayList<>(List.of("--server", master.apiAddress()));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private Cli cli(StringWriter out, StringWriter err, String stdin) {
    return new Cli(
        new PrintWriter(out, true),
        new PrintWriter(err, true),
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        Map.of("HOME", dir.toString()),
        false,
        endpoint -> NettyChannelBuilder.forTarget(endpoint).usePlaintext().build(),
        Clock.systemUTC());
  }

  @Test
  void execReturnsTheCommandsOutputAndExitCode() {
    Run hostname = drover("exec", POD, "--", "hostname");
    assertThat(hostname.code()).as(hostname.err()).isZero();
    assertThat(hostname.out().strip()).isNotEmpty();

    Run run = drover("exec", POD, "--", "sh", "-c", "echo $HOSTNAME; echo oops >&2; exit 3");
    assertThat(run.code()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).isEqualTo(hostname.out());
    assertThat(run.err()).isEqualTo("oops\n");

    Run missing = drover("exec", "nope", "--", "true");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("pods \"nope\" not found");
  }

  @Test
  void execWithStdinButNoTerminalSeesTheEndOfInput() throws Exception {
    // Without the half-close at the end of stdin, cat would wait for more input forever.
    Run cat =
        assertTimeoutPreemptively(
            PATIENCE, () -> droverWithStdin("hi\n", "exec", "-i", POD, "--", "cat"));
    assertThat(cat.code()).as(cat.err()).isZero();
    assertThat(cat.out()).isEqualTo("hi\n");
    String big = "0123456789".repeat(20_000);
    Run count =
        assertTimeoutPreemptively(
            PATIENCE, () -> droverWithStdin(big, "exec", "-i", POD, "--", "wc", "-c"));
    assertThat(count.code()).as(count.err()).isZero();
    assertThat(count.out().strip()).isEqualTo("200000");

    // The same through a shell pipe into a separate drover process, as a user types it.
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pipe =
        new ProcessBuilder(
                "bash",
                "-c",
                // Logback's own status lines (several configurations on the test class path)
                // would land on stdout, next to what cat prints.
                "echo hi | \"$0\" -Dlogback.statusListenerClass="
                    + "ch.qos.logback.core.status.NopStatusListener -cp \"$1\" "
                    + Main.class.getName()
                    + " --server \"$2\" exec -i "
                    + POD
                    + " -- cat",
                java,
                System.getProperty("java.class.path"),
                master.apiAddress())
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    pipe.environment().put("HOME", dir.toString());
    Process piped = pipe.start();
    try {
      assertThat(piped.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(new String(piped.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("hi\n");
      assertThat(piped.exitValue()).isZero();
    } finally {
      piped.destroyForcibly();
    }
  }

  @Test
  void interactiveShellUnderTmuxGetsAPromptRunsACommandAndExits() throws Exception {
    Tmux tmux = new Tmux("drover-exec-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      String java = ProcessHandle.current().info().command().orElse("java");
      tmux.start(
          List.of(
              "env",
              "HOME=" + dir,
              java,
              "-cp",
              System.getProperty("java.class.path"),
              Main.class.getName(),
              "--server",
              master.apiAddress(),
              "exec",
              "-it",
              POD,
              "--",
              "sh"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(tmux.screen()).contains("/ #"));
      tmux.type("echo drover-$((6*7))");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(tmux.screen()).contains("drover-42"));
      tmux.type("exit 5");
      await().atMost(PATIENCE).until(tmux::exited);
    } finally {
      tmux.close();
    }
  }

  @Test
  void portForwardServesConcurrentConnectionsAndEndsWhenThePodIsDeleted() throws Exception {
    int local;
    try (ServerSocket probe = new ServerSocket(0)) {
      local = probe.getLocalPort();
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread forward =
        new Thread(
            () ->
                code.set(
                    Main.run(cli(out, err, ""), withServer("port-forward", POD, local + ":8080"))),
            "port-forward-under-test");
    forward.start();
    try {
      await().atMost(PATIENCE).until(() -> out.toString().contains("Forwarding from"));
      assertThat(out.toString()).contains("Forwarding from 127.0.0.1:" + local + " -> 8080");

      ExecutorService pool = Executors.newFixedThreadPool(100);
      try {
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          answers.add(pool.submit(() -> get(local)));
        }
        for (Future<String> answer : answers) {
          String response = answer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
          assertThat(response).startsWith("HTTP/1.").contains(" 200 ").endsWith(BODY + "\n");
        }
      } finally {
        pool.shutdownNow();
      }

      client.pods().delete("default", POD);
      forward.join(PATIENCE.toMillis());
      assertThat(forward.isAlive()).isFalse();
      assertThat(code.get()).isEqualTo(1);
      assertThat(err.toString())
          .containsPattern("error: pod default/shell (is being deleted|was deleted)")
          .contains("port forwarding stopped");
    } finally {
      forward.interrupt();
      forward.join(PATIENCE.toMillis());
    }
  }

  private static String get(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout((int) PATIENCE.toMillis());
      OutputStream o = s.getOutputStream();
      o.write("GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A tmux server of its own (its own socket), running one command in a detached session. */
  private static final class Tmux implements AutoCloseable {
    private final String socket;

    Tmux(String socket) {
      this.socket = socket;
    }

    void start(List<String> command) {
      List<String> args =
          new ArrayList<>(List.of("new-session", "-d", "-s", "t", "-x", "120", "-y", "40"));
      args.add(String.join(" ", command.stream().map(Tmux::quote).toList()));
      // Keeps the pane after the command exits, so its exit status can be read.
      args.addAll(List.of(";", "set-option", "-t", "t", "remain-on-exit", "on"));
      tmux(args);
    }

    String screen() {
      return tmux(List.of("capture-pane", "-p", "-t", "t"));
    }

    void type(String line) {
      tmux(List.of("send-keys", "-t", "t", line, "Enter"));
    }

    boolean exited() {
      return tmux(List.of("display-message", "-p", "-t", "t", "#{pane_dead}")).strip().equals("1");
    }

    private String tmux(List<String> args) {
      List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
      command.addAll(args);
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
      } catch (IOException e) {
        throw new IllegalStateException("cannot run tmux (scripts/test-env.sh installs it)", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private static String quote(String arg) {
      return "'" + arg.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
      try {
        tmux(List.of("kill-server"));
      } catch (IllegalStateException e) {
        // The server had already ended.
      }
    }
  }
}
