package dev.drover.cli.command;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.PortForwardOutput;
import dev.drover.api.v1.PortForwardRequest;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.client.DroverClient;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover port-forward POD [LOCAL:]REMOTE...}: listens on local ports and carries each
 * accepted connection to the pod's port through the master, one call per connection, until Ctrl-C
 * or until the pod goes away (then it exits 1 saying so).
 */
@Command(
    name = "port-forward",
    mixinStandardHelpOptions = true,
    description = "Forward local ports to a pod's ports.",
    footer = {
      "",
      "Example: drover port-forward web-1 8080:80   (LOCAL:REMOTE; :80 picks a free local port)"
    })
final class PortForwardCommand implements Callable<Integer> {
  /** How often the pod is checked, so that its deletion ends the forward promptly. */
  private static final long POD_CHECK_MILLIS = 500;

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD", description = "Pod name (or pod/NAME).")
  String pod;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "[LOCAL:]REMOTE",
      description = "Ports: LOCAL:REMOTE, :REMOTE (a free local port) or PORT (the same).")
  List<String> ports;

  @Option(
      names = "--address",
      paramLabel = "ADDR",
      description = "Local address to listen on (default 127.0.0.1).")
  String address = "127.0.0.1";

  PortForwardCommand(Cli cli) {
    this.cli = cli;
  }

  private record Mapping(int local, int remote) {}

  @Override
  public Integer call() throws IOException {
    String name = pod.startsWith("pod/") ? pod.substring(4) : pod;
    List<Mapping> mappings = new ArrayList<>();
    for (String p : ports) {
      mappings.add(parse(p));
    }
    Forwarder forwarder = new Forwarder(name);
    try (DroverClient client = cli.connect();
        ShutdownSignal signal = new ShutdownSignal()) {
      Object found = Resources.get(client, ResourceType.POD, cli.namespace(), name);
      forwarder.uid = found.getPod().getMetadata().getUid();
      Channel channel = client.control().getChannel();
      for (Mapping m : mappings) {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), m.local()), 128);
        forwarder.servers.add(server);
        cli.out()
            .println(
                "Forwarding from " + address + ":" + server.getLocalPort() + " -> " + m.remote());
        Thread acceptor =
            new Thread(
                () -> forwarder.accept(server, channel, m.remote()), "drover-port-forward-accept");
        acceptor.setDaemon(true);
        acceptor.start();
      }
      cli.out().flush();
      Thread main = Thread.currentThread();
      Thread watcher =
          new Thread(() -> forwarder.watchPod(client, main), "drover-port-forward-pod");
      watcher.setDaemon(true);
      watcher.start();
      try {
        signal.await();
      } catch (InterruptedException e) {
        // The pod watcher ended the forward; the reason is recorded.
      }
      watcher.interrupt();
    } finally {
      forwarder.closeAll();
    }
    String why = forwarder.ended.get();
    if (why != null) {
      throw new CliException(why);
    }
    return 0;
  }

  private Mapping parse(String spec) {
    String[] parts = spec.split(":", -1);
    try {
      if (parts.length == 1) {
        int port = port(parts[0]);
        return new Mapping(port, port);
      }
      if (parts.length == 2) {
        return new Mapping(parts[0].isEmpty() ? 0 : port(parts[0]), port(parts[1]));
      }
    } catch (NumberFormatException e) {
      // Reported below with the whole spec.
    }
    throw new ParameterException(
        this.spec.commandLine(),
        "invalid port \"" + spec + "\": expected LOCAL:REMOTE, :REMOTE or PORT (1-65535)");
  }

  private static int port(String text) {
    int p = Integer.parseInt(text);
    if (p < 1 || p > 65535) {
      throw new NumberFormatException(text);
    }
    return p;
  }

  /** The listeners, the open connections and the reason the forward ended, if it did. */
  private final class Forwarder {
    final String pod;
    volatile String uid = "";
    final List<ServerSocket> servers = new ArrayList<>();
    final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicReference<String> ended = new AtomicReference<>();

    Forwarder(String pod) {
      this.pod = pod;
    }

    void accept(ServerSocket server, Channel channel, int remote) {
      while (!server.isClosed()) {
        Socket local;
        try {
          local = server.accept();
        } catch (IOException e) {
          return;
        }
        open.add(local);
        synchronized (cli.out()) {
          cli.out().println("Handling connection for " + server.getLocalPort());
          cli.out().flush();
        }
        new Connection(local, remote).start(channel);
      }
    }

    /** Ends the forward when the pod is deleted (or replaced by another of the same name). */
    void watchPod(DroverClient client, Thread main) {
      while (!Thread.currentThread().isInterrupted()) {
        String gone = null;
        try {
          Object o = client.get(Kind.KIND_POD, cli.namespace(), pod);
          if (o.getPod().getMetadata().hasDeletionTime()) {
            gone = "pod " + cli.namespace() + "/" + pod + " is being deleted";
          } else if (!o.getPod().getMetadata().getUid().equals(uid)) {
            gone = "pod " + cli.namespace() + "/" + pod + " was deleted and created again";
          }
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
            gone = "pod " + cli.namespace() + "/" + pod + " was deleted";
          }
        }
        if (gone != null) {
          ended.compareAndSet(null, gone + "; port forwarding stopped");
          main.interrupt();
          return;
        }
        try {
          Thread.sleep(POD_CHECK_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void closeAll() {
      for (ServerSocket s : servers) {
        closeQuietly(s);
      }
      for (Socket s : open) {
        closeQuietly(s);
      }
    }

    /** One accepted local connection and its call. */
    private final class Connection
        implements ClientResponseObserver<PortForwardInput, PortForwardOutput> {
      private final Socket local;
      private final int remote;
      private final CountDownLatch started = new CountDownLatch(1);
      private ClientCallStreamObserver<PortForwardInput> call;

      Connection(Socket local, int remote) {
        this.local = local;
        this.remote = remote;
      }

      void start(Channel channel) {
        ControlServiceGrpc.newStub(channel)
            .withDeadlineAfter(LogsCommand.FOLLOW_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .portForward(this);
        call.onNext(
            PortForwardInput.newBuilder()
                .setStart(
                    PortForwardRequest.newBuilder()
                        .setNamespace(cli.namespace())
                        .setPod(pod)
                        .setPort(remote))
                .build());
        Thread reader = new Thread(this::pump, "drover-port-forward-conn");
        reader.setDaemon(true);
        reader.start();
      }

      @Override
      public void beforeStart(ClientCallStreamObserver<PortForwardInput> requestStream) {
        call = requestStream;
      }

      /** Sends what the local client writes; its end of file half-closes the call. */
      private void pump() {
        byte[] buf = new byte[32 * 1024];
        try (InputStream in = local.getInputStream()) {
          int n;
          while ((n = in.read(buf)) >= 0) {
            synchronized (this) {
              call.onNext(
                  PortForwardInput.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
            }
          }
          synchronized (this) {
            call.onCompleted();
          }
        } catch (IOException | IllegalStateException e) {
          synchronized (this) {
            call.cancel("local connection closed", null);
          }
        }
      }

      @Override
      public void onNext(PortForwardOutput value) {
        try {
          OutputStream out = local.getOutputStream();
          value.getData().writeTo(out);
          out.flush();
        } catch (IOException e) {
          synchronized (this) {
            call.cancel("local connection closed", null);
          }
          finish();
        }
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (s.getCode() != Status.Code.CANCELLED) {
          synchronized (cli.err()) {
            cli.err()
                .println(
                    "error: forwarding to port "
                        + remote
                        + " of pod "
                        + pod
                        + ": "
                        + s.getDescription());
            cli.err().flush();
          }
        }
        finish();
      }

      @Override
      public void onCompleted() {
        finish();
      }

      private void finish() {
        open.remove(local);
        closeQuietly(local);
      }
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // Closing on the way out: nothing to do about it.
    }
  }
}
