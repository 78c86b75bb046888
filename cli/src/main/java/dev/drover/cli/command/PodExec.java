package dev.drover.cli.command;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecOutput;
import dev.drover.api.v1.ExecRequest;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command in a container over ControlService.Exec (no terminal) for verbs that move bytes
 * rather than show text, such as cp: stdout goes to an {@link OutputStream} as it arrives, stdin is
 * sent from an {@link InputStream}, stderr is kept for the error message.
 */
final class PodExec {

  /** How a command ended: its exit code and what it wrote to stderr. */
  record Result(int exitCode, String stderr) {}

  private PodExec() {}

  /**
   * Runs {@code command} in the container and waits for it to end; {@code stdin} may be null.
   * Failures of the call itself (pod not found, not allowed) are thrown as they came.
   */
  static Result run(
      DroverClient client,
      ExecRequest.Builder request,
      List<String> command,
      InputStream stdin,
      OutputStream stdout,
      Duration deadline)
      throws InterruptedException {
    Receiver receiver = new Receiver(stdout);
    StreamObserver<ExecInput> up =
        ControlServiceGrpc.newStub(client.control().getChannel())
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .exec(receiver);
    up.onNext(
        ExecInput.newBuilder()
            .setStart(request.clearCommand().addAllCommand(command).setStdin(stdin != null))
            .build());
    if (stdin != null) {
      byte[] buffer = new byte[64 * 1024];
      try {
        for (int n = stdin.read(buffer); n >= 0 && !receiver.isDone(); n = stdin.read(buffer)) {
          up.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFrom(buffer, 0, n)).build());
        }
      } catch (IOException e) {
        up.onError(Status.CANCELLED.withDescription("cannot read the input").asException());
        throw new UncheckedIOException(e);
      }
    }
    up.onCompleted();
    receiver.done.await();
    if (receiver.failure != null) {
      throw receiver.failure;
    }
    if (receiver.writeFailure != null) {
      throw new UncheckedIOException(receiver.writeFailure);
    }
    return new Result(receiver.exitCode, receiver.stderr.toString(StandardCharsets.UTF_8));
  }

  private static final class Receiver implements StreamObserver<ExecOutput> {
    final CountDownLatch done = new CountDownLatch(1);
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final OutputStream stdout;
    volatile int exitCode = -1;
    volatile StatusRuntimeException failure;
    volatile IOException writeFailure;

    Receiver(OutputStream stdout) {
      this.stdout = stdout;
    }

    boolean isDone() {
      return done.getCount() == 0;
    }

    @Override
    public void onNext(ExecOutput value) {
      try {
        switch (value.getOutputCase()) {
          case STDOUT -> value.getStdout().writeTo(stdout);
          case STDERR -> {
            synchronized (stderr) {
              value.getStderr().writeTo(stderr);
            }
          }
          case EXIT -> exitCode = value.getExit().getCode();
          default -> {}
        }
      } catch (IOException e) {
        writeFailure = e;
      }
    }

    @Override
    public void onError(Throwable t) {
      failure =
          t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t).asRuntimeException();
      done.countDown();
    }

    @Override
    public void onCompleted() {
      done.countDown();
    }
  }
}
