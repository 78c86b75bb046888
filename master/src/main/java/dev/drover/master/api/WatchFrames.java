package dev.drover.master.api;

import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.master.cache.WatchFrame;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Serves a watch method with pre-encoded events: the method is bound with a response marshaller
 * that writes {@link WatchFrame}s' bytes as they are, so an event fanned out to many streams is
 * serialised once, not once per stream. On the wire nothing changes: a Watch message is still one
 * {@code WatchEvent} and a WatchBatched message one {@code WatchEventBatch}, so every client (Java,
 * grpcurl, Python) reads them as before.
 */
final class WatchFrames {
  /** Field 1 of WatchEventBatch (events), length-delimited: (1 << 3) | 2. */
  private static final int EVENTS_TAG = 0x0A;

  /** Writes frames as their bytes; reads a WatchEvent into a frame (for an in-process peer). */
  static final MethodDescriptor.Marshaller<WatchFrame> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(WatchFrame frame) {
          return new FrameStream(frame.bytes());
        }

        @Override
        public WatchFrame parse(InputStream stream) {
          try {
            return WatchFrame.of(WatchEvent.parseFrom(stream));
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("malformed WatchEvent")
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  /**
   * Writes a batch as a WatchEventBatch made of its frames' bytes: each event is the repeated
   * field's tag, its length and the frame, so the batch is never re-encoded.
   */
  static final MethodDescriptor.Marshaller<Batch> BATCH_MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Batch batch) {
          return new BatchStream(batch.frames());
        }

        @Override
        public Batch parse(InputStream stream) {
          try {
            List<WatchFrame> frames = new ArrayList<>();
            for (WatchEvent e : WatchEventBatch.parseFrom(stream).getEventsList()) {
              frames.add(WatchFrame.of(e));
            }
            return new Batch(frames);
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("malformed WatchEventBatch")
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  /** The events of one WatchBatched message. */
  record Batch(List<WatchFrame> frames) {}

  private WatchFrames() {}

  /** One WatchBatched message for the whole batch. */
  static List<Batch> batchOf(List<WatchFrame> frames) {
    return List.of(new Batch(frames));
  }

  /**
   * {@code service} with {@code method} (a server-streaming method) served by {@code body} and
   * answered through {@code marshaller}; the other methods and the schema (for reflection) are
   * kept.
   */
  static <Q, R> ServerServiceDefinition rebind(
      ServerServiceDefinition service,
      MethodDescriptor<Q, ?> method,
      MethodDescriptor.Marshaller<R> marshaller,
      BiConsumer<Q, StreamObserver<R>> body) {
    MethodDescriptor<Q, R> framed =
        method.toBuilder(method.getRequestMarshaller(), marshaller).build();
    ServiceDescriptor old = service.getServiceDescriptor();
    ServiceDescriptor.Builder sd =
        ServiceDescriptor.newBuilder(old.getName()).setSchemaDescriptor(old.getSchemaDescriptor());
    for (MethodDescriptor<?, ?> m : old.getMethods()) {
      sd.addMethod(m.getFullMethodName().equals(method.getFullMethodName()) ? framed : m);
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(sd.build());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      if (!m.getMethodDescriptor().getFullMethodName().equals(method.getFullMethodName())) {
        b.addMethod(m);
      }
    }
    b.addMethod(framed, ServerCalls.asyncServerStreamingCall(body::accept));
    return b.build();
  }

  /** A frame's bytes, which gRPC copies into its buffer in one write. */
  private static final class FrameStream extends ByteArrayInputStream
      implements KnownLength, Drainable {
    FrameStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public synchronized int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }

  /**
   * A WatchEventBatch as its frames with a tag and length before each: gRPC drains it straight into
   * its buffer; read() (not used by gRPC's Netty transport) assembles the bytes first.
   */
  private static final class BatchStream extends InputStream implements KnownLength, Drainable {
    private final List<WatchFrame> frames;
    private final int length;
    private ByteArrayInputStream assembled;
    private boolean drained;

    BatchStream(List<WatchFrame> frames) {
      this.frames = frames;
      int n = 0;
      for (WatchFrame f : frames) {
        int size = f.bytes().length;
        n += 1 + varintSize(size) + size;
      }
      this.length = n;
    }

    @Override
    public int available() {
      if (assembled != null) {
        return assembled.available();
      }
      return drained ? 0 : length;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (assembled != null) {
        int n = assembled.available();
        assembled.transferTo(target);
        return n;
      }
      if (drained) {
        return 0;
      }
      drained = true;
      byte[] head = new byte[6];
      for (WatchFrame f : frames) {
        byte[] b = f.bytes();
        int h = 0;
        head[h++] = (byte) EVENTS_TAG;
        int v = b.length;
        while ((v & ~0x7F) != 0) {
          head[h++] = (byte) ((v & 0x7F) | 0x80);
          v >>>= 7;
        }
        head[h++] = (byte) v;
        target.write(head, 0, h);
        target.write(b);
      }
      return length;
    }

    @Override
    public int read() throws IOException {
      return assemble().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return assemble().read(b, off, len);
    }

    private ByteArrayInputStream assemble() throws IOException {
      if (assembled == null) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        if (!drained) {
          drainTo(out);
        }
        assembled = new ByteArrayInputStream(out.toByteArray());
      }
      return assembled;
    }

    private static int varintSize(int v) {
      int n = 1;
      while ((v & ~0x7F) != 0) {
        n++;
        v >>>= 7;
      }
      return n;
    }
  }
}
