package dev.drover.cli.command;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecOutput;
import dev.drover.api.v1.ExecRequest;
import dev.drover.api.v1.TerminalSize;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.RawTerminal;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover exec [-i] [-t] POD [-c C] -- COMMAND...}: runs a command in a container through the
 * master, relays stdin, stdout and stderr (and the terminal's size with {@code -t}) and exits with
 * the command's exit code.
 */
@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    description = "Run a command in a container of a pod; exits with the command's exit code.",
    footer = {"", "Example: drover exec -it web-1 -- sh"})
final class ExecCommand implements Callable<Integer> {
  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD", description = "Pod name (or pod/NAME).")
  String pod;

  @Parameters(
      index = "1..*",
      paramLabel = "COMMAND",
      description = "The command and its arguments, after --.")
  List<String> command = List.of();

  @Option(
      names = {"-c", "--container"},
      paramLabel = "NAME",
      description = "Container (needed when the pod has several).")
  String container = "";

  @Option(
      names = {"-i", "--stdin"},
      description = "Pass stdin to the command.")
  boolean stdin;

  @Option(
      names = {"-t", "--tty"},
      description = "Run the command on a terminal (with -i: an interactive session).")
  boolean tty;

  ExecCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    String name = pod.startsWith("pod/") ? pod.substring(4) : pod;
    if (name.contains("/")) {
      throw new ParameterException(spec.commandLine(), "exec runs in pods; give POD or pod/NAME");
    }
    if (command.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "give the command after --, e.g. drover exec " + name + " -- sh");
    }
    boolean raw = tty && stdin && cli.terminal();
    if (tty && !cli.terminal()) {
      cli.err().println("Unable to use a TTY: input is not a terminal; running without one");
      cli.err().flush();
    }
    boolean useTty = tty && cli.terminal();
    ExecRequest.Builder request =
        ExecRequest.newBuilder()
            .setNamespace(cli.namespace())
            .setPod(name)
            .setContainer(container)
            .addAllCommand(command)
            .setStdin(stdin)
            .setTty(useTty);
    if (useTty) {
      int[] size = RawTerminal.size();
      request.setSize(TerminalSize.newBuilder().setWidth(size[0]).setHeight(size[1]));
    }
    cli.out().flush();
    try (DroverClient client = cli.connect();
        RawTerminal terminal = raw ? RawTerminal.enter() : null) {
      Session session = new Session();
      StreamObserver<ExecInput> up =
          ControlServiceGrpc.newStub(client.control().getChannel())
              .withDeadlineAfter(LogsCommand.FOLLOW_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .exec(session);
      session.send(up, ExecInput.newBuilder().setStart(request).build());
      if (useTty) {
        Resizes.onChange(
            () -> {
              int[] size = RawTerminal.size();
              session.send(
                  up,
                  ExecInput.newBuilder()
                      .setResize(TerminalSize.newBuilder().setWidth(size[0]).setHeight(size[1]))
                      .build());
            });
      }
      if (stdin) {
        Thread feeder = new Thread(() -> session.feed(cli.in(), up), "drover-exec-stdin");
        feeder.setDaemon(true);
        feeder.start();
      } else {
        session.halfClose(up);
      }
      session.done.await();
      if (session.failure != null) {
        throw new ServerCallException(session.failure, new Subject(ResourceType.POD, name));
      }
      return session.exitCode;
    }
  }

  /** The call's output side: writes what arrives and records how it ended. */
  private final class Session implements StreamObserver<ExecOutput> {
    final CountDownLatch done = new CountDownLatch(1);
    private final TextSink outText = new TextSink(cli.out());
    private final TextSink errText = new TextSink(cli.err());
    volatile int exitCode;
    volatile StatusRuntimeException failure;
    private boolean halfClosed;

    @Override
    public void onNext(ExecOutput value) {
      switch (value.getOutputCase()) {
        case STDOUT -> outText.write(value.getStdout());
        case STDERR -> errText.write(value.getStderr());
        case EXIT -> exitCode = value.getExit().getCode();
        default -> {}
      }
    }

    @Override
    public void onError(Throwable t) {
      failure =
          t instanceof StatusRuntimeException s
              ? s
              : io.grpc.Status.fromThrowable(t).asRuntimeException();
      done.countDown();
    }

    @Override
    public void onCompleted() {
      done.countDown();
    }

    synchronized void send(StreamObserver<ExecInput> up, ExecInput input) {
      if (!halfClosed && done.getCount() > 0) {
        up.onNext(input);
      }
    }

    synchronized void halfClose(StreamObserver<ExecInput> up) {
      if (!halfClosed && done.getCount() > 0) {
        halfClosed = true;
        up.onCompleted();
      }
    }

    /** Sends stdin as it is read; its end half-closes the call. */
    void feed(InputStream in, StreamObserver<ExecInput> up) {
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) >= 0 && done.getCount() > 0) {
          send(up, ExecInput.newBuilder().setStdin(ByteString.copyFrom(buf, 0, n)).build());
        }
      } catch (IOException e) {
        // Unreadable stdin ends like a closed one.
      }
      halfClose(up);
    }
  }

  /** Text output fed in chunks: a character split across two chunks is printed whole. */
  private static final class TextSink {
    private final java.io.PrintWriter to;
    private final CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] pending = new byte[0];

    TextSink(java.io.PrintWriter to) {
      this.to = to;
    }

    synchronized void write(ByteString bytes) {
      ByteBuffer in = ByteBuffer.allocate(pending.length + bytes.size());
      in.put(pending).put(bytes.asReadOnlyByteBuffer()).flip();
      CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
      decoder.decode(in, chars, false);
      pending = new byte[in.remaining()];
      in.get(pending);
      chars.flip();
      to.print(chars);
      to.flush();
    }
  }
}
