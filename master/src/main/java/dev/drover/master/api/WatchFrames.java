package dev.drover.master.api;

import dev.drover.api.v1.WatchEvent;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.BiConsumer;

/**
 * Serves a watch method with pre-encoded events: the method is bound with a response marshaller
 * that writes a {@link WatchFrame}'s bytes as they are, so an event fanned out to many streams is
 * serialised once, not once per stream. On the wire nothing changes: each message is still one
 * {@code WatchEvent}, so every client (Java, grpcurl, Python) reads it as before.
 */
final class WatchFrames {
  /** Writes frames as their bytes; reads a WatchEvent into a frame (for an in-process peer). */
  static final MethodDescriptor.Marshaller<WatchFrame> MARSHALLER = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(WatchFrame frame) {
      return new FrameStream(frame.bytes());
    }

    @Override
    public WatchFrame parse(InputStream stream) {
      try {
        return WatchFrame.of(WatchEvent.parseFrom(stream));
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("malformed WatchEvent").withCause(e).asRuntimeException();
      }
    }
  };

  private WatchFrames() {}

  /**
   * {@code service} with {@code method} (a server-streaming method answering WatchEvents) served
   * by {@code body} from frames; the other methods and the schema (for reflection) are kept.
   */
  static <Q> ServerServiceDefinition rebind(ServerServiceDefinition service, MethodDescriptor<Q, WatchEvent> method,
      BiConsumer<Q, StreamObserver<WatchFrame>> body) {
    MethodDescriptor<Q, WatchFrame> framed = method.toBuilder(method.getRequestMarshaller(), MARSHALLER).build();
    ServiceDescriptor old = service.getServiceDescriptor();
    ServiceDescriptor.Builder sd = ServiceDescriptor.newBuilder(old.getName())
        .setSchemaDescriptor(old.getSchemaDescriptor());
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
  private static final class FrameStream extends ByteArrayInputStream implements KnownLength, Drainable {
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
}
