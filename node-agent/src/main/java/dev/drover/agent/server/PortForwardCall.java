package dev.drover.agent.server;

import com.google.protobuf.ByteString;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.PortForwardOutput;
import dev.drover.api.v1.PortForwardRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * One AgentService.PortForward call: a TCP connection from the agent to a port at the pod's IP (the
 * host's for host-network pods), its bytes relayed both ways. The pod's side closing ends the call;
 * the caller's half-close half-closes the connection.
 */
final class PortForwardCall implements StreamObserver<PortForwardInput> {
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int BUFFER = 32 * 1024;

  private final PodSyncer syncer;
  private final ExecutorService readers;
  private final ServerCallStreamObserver<PortForwardOutput> out;
  private Socket socket;
  private boolean ended;

  PortForwardCall(
      PodSyncer syncer, ExecutorService readers, StreamObserver<PortForwardOutput> out) {
    this.syncer = syncer;
    this.readers = readers;
    this.out = (ServerCallStreamObserver<PortForwardOutput>) out;
    this.out.setOnCancelHandler(this::closeSocket);
  }

  @Override
  public void onNext(PortForwardInput input) {
    Socket s;
    synchronized (this) {
      s = socket;
    }
    if (s == null) {
      connect(input);
      return;
    }
    try {
      s.getOutputStream().write(input.getData().toByteArray());
    } catch (IOException e) {
      fail(Status.UNAVAILABLE.withDescription("writing to the pod's port failed: " + e));
    }
  }

  private void connect(PortForwardInput input) {
    if (!input.hasStart()) {
      fail(Status.INVALID_ARGUMENT.withDescription("the first message must carry start"));
      return;
    }
    PortForwardRequest r = input.getStart();
    String what = "pod " + r.getNamespace() + "/" + r.getPod();
    Optional<PodStatus> status =
        syncer.hasPod(r.getNamespace(), r.getPod())
            ? syncer.status(r.getPodUid())
            : Optional.empty();
    if (status.isEmpty()) {
      fail(Status.NOT_FOUND.withDescription(what + " is not on this node"));
      return;
    }
    String ip = status.get().getPodIp();
    if (ip.isEmpty()) {
      fail(Status.FAILED_PRECONDITION.withDescription(what + " has no IP address yet"));
      return;
    }
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(ip, r.getPort()), CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      closeQuietly(s);
      fail(
          Status.UNAVAILABLE.withDescription(
              what + ": cannot connect to port " + r.getPort() + ": " + e.getMessage()));
      return;
    }
    synchronized (this) {
      if (ended) {
        closeQuietly(s);
        return;
      }
      socket = s;
    }
    readers.execute(() -> pump(s));
  }

  /** Copies what the pod sends to the call until the pod's side closes. */
  private void pump(Socket s) {
    byte[] buf = new byte[BUFFER];
    try (InputStream in = s.getInputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        synchronized (this) {
          if (ended || out.isCancelled()) {
            return;
          }
          out.onNext(
              PortForwardOutput.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
        }
      }
      synchronized (this) {
        if (!ended && !out.isCancelled()) {
          ended = true;
          out.onCompleted();
        }
      }
    } catch (IOException e) {
      fail(Status.UNAVAILABLE.withDescription("the pod's side of the connection failed: " + e));
    } finally {
      closeQuietly(s);
    }
  }

  @Override
  public void onError(Throwable t) {
    closeSocket();
  }

  @Override
  public void onCompleted() {
    Socket s;
    synchronized (this) {
      s = socket;
    }
    if (s != null && !s.isClosed()) {
      try {
        s.shutdownOutput();
      } catch (IOException e) {
        closeQuietly(s);
      }
    }
  }

  private synchronized void fail(Status status) {
    if (!ended) {
      ended = true;
      if (!out.isCancelled()) {
        out.onError(status.asRuntimeException());
      }
    }
    if (socket != null) {
      closeQuietly(socket);
    }
  }

  private void closeSocket() {
    Socket s;
    synchronized (this) {
      ended = true;
      s = socket;
    }
    if (s != null) {
      closeQuietly(s);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Already closed or broken: nothing left to release.
    }
  }
}
