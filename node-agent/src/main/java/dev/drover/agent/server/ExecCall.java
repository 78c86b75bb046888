package dev.drover.agent.server;

import com.google.protobuf.ByteString;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ExecListener;
import dev.drover.agent.runtime.ExecOptions;
import dev.drover.agent.runtime.ExecSession;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.api.v1.ExecExit;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecOutput;
import dev.drover.api.v1.ExecRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AgentService.Exec call: the first message starts the command through the runtime, later ones
 * feed its stdin and terminal size; its output and exit code go back on the call.
 */
final class ExecCall implements StreamObserver<ExecInput>, ExecListener {
  private static final Logger log = LoggerFactory.getLogger(ExecCall.class);
  private final PodSyncer syncer;
  private final ContainerRuntime runtime;
  private final ServerCallStreamObserver<ExecOutput> out;
  private ExecSession session;
  private boolean ended;

  ExecCall(PodSyncer syncer, ContainerRuntime runtime, StreamObserver<ExecOutput> out) {
    this.syncer = syncer;
    this.runtime = runtime;
    this.out = (ServerCallStreamObserver<ExecOutput>) out;
    this.out.setOnCancelHandler(this::detach);
  }

  @Override
  public void onNext(ExecInput input) {
    ExecSession s;
    synchronized (this) {
      s = session;
    }
    if (s != null) {
      if (input.hasResize()) {
        s.resize(input.getResize().getWidth(), input.getResize().getHeight());
      } else {
        s.stdin(input.getStdin().toByteArray());
      }
      return;
    }
    if (!input.hasStart()) {
      fail(Status.INVALID_ARGUMENT.withDescription("the first message must carry start"));
      return;
    }
    ExecRequest r = input.getStart();
    try {
      String id =
          PodLookup.containerId(syncer, r.getNamespace(), r.getPod(), r.getContainer(), false);
      ExecOptions options =
          new ExecOptions(
              r.getCommandList(),
              r.getStdin(),
              r.getTty(),
              r.getSize().getWidth(),
              r.getSize().getHeight());
      ExecSession started = runtime.attach(id, options, this);
      synchronized (this) {
        session = started;
        if (ended) {
          started.close();
        }
      }
    } catch (StatusRuntimeException e) {
      fail(e.getStatus());
    } catch (UnsupportedOperationException e) {
      fail(Status.UNIMPLEMENTED.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      fail(Status.FAILED_PRECONDITION.withDescription("cannot run the command: " + e.getMessage()));
    }
  }

  @Override
  public void onError(Throwable t) {
    detach();
  }

  @Override
  public void onCompleted() {
    ExecSession s;
    synchronized (this) {
      s = session;
    }
    if (s != null) {
      s.closeStdin();
    }
  }

  @Override
  public synchronized void output(byte[] data, boolean stderr) {
    if (ended || out.isCancelled()) {
      return;
    }
    ByteString bytes = ByteString.copyFrom(data);
    out.onNext(
        stderr
            ? ExecOutput.newBuilder().setStderr(bytes).build()
            : ExecOutput.newBuilder().setStdout(bytes).build());
  }

  @Override
  public synchronized void exited(int code) {
    if (ended) {
      return;
    }
    ended = true;
    if (!out.isCancelled()) {
      out.onNext(ExecOutput.newBuilder().setExit(ExecExit.newBuilder().setCode(code)).build());
      out.onCompleted();
    }
  }

  @Override
  public void failed(Throwable error) {
    log.warn("exec stream failed", error);
    fail(Status.UNAVAILABLE.withDescription("the command's stream failed: " + error));
  }

  private synchronized void fail(Status status) {
    if (ended) {
      return;
    }
    ended = true;
    if (!out.isCancelled()) {
      out.onError(status.asRuntimeException());
    }
  }

  private void detach() {
    ExecSession s;
    synchronized (this) {
      ended = true;
      s = session;
    }
    if (s != null) {
      s.close();
    }
  }
}
